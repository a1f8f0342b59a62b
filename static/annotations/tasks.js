// Task list: a card's ⋮ menu closes once one of its items is chosen (the dialog opens on top).
document.addEventListener("click", (event) => {
  const item = event.target.closest?.("details[data-menu] .menu__item");
  if (item) item.closest("details").open = false;
});
