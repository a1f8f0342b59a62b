// Site-wide behaviour htmx does not cover: toasts, dialogs loaded by htmx, the account menu,
// the upload drop zone and its progress bar. Pages work without it.
(() => {
  "use strict";

  const TOAST_MILLISECONDS = 6000;
  const HTTP_ERRORS = {
    403: "You do not have permission to do that.",
    404: "That page or object no longer exists. Reload the page.",
    409: "Someone changed this meanwhile. Reload the page and try again.",
    413: "The upload is too large for the server.",
  };

  // Toasts: Django messages rendered by base.html, and HX-Trigger "toast" events
  // ({"message": "...", "level": "success" | "info" | "warning" | "error"}).
  function dismissToast(toast) {
    toast.classList.add("toast--leaving");
    setTimeout(() => toast.remove(), 200);
  }

  function scheduleDismiss(toast) {
    if (!toast.classList.contains("toast--error")) {
      setTimeout(() => dismissToast(toast), TOAST_MILLISECONDS);
    }
  }

  function showToast(message, level = "info") {
    const template = document.getElementById("toast-template");
    const container = document.getElementById("toasts");
    if (!template || !container || !message) return;
    const toast = (
      template.content.querySelector(`.toast--${level}`) || template.content.firstElementChild
    ).cloneNode(true);
    toast.querySelector(".toast__message").textContent = message;
    container.append(toast);
    scheduleDismiss(toast);
  }
  window.showToast = showToast;

  document.addEventListener("toast", (event) => {
    showToast(event.detail.message, event.detail.level || "success");
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("#toasts [data-toast]").forEach(scheduleDismiss);
  });

  // htmx 2 does not swap error responses; say what happened instead of doing nothing.
  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    showToast(
      HTTP_ERRORS[status] || `The server answered ${status}; nothing was changed.`,
      "error",
    );
  });
  document.addEventListener("htmx:sendError", () => {
    showToast("The server did not answer. Check the connection and try again.", "error");
  });

  // Dialogs: a fragment swapped in with data-modal opens as a modal and is removed once closed.
  function openModals(root) {
    const dialogs = root.matches?.("dialog[data-modal]")
      ? [root]
      : root.querySelectorAll?.("dialog[data-modal]") || [];
    for (const dialog of dialogs) {
      if (!dialog.open) dialog.showModal();
    }
  }

  document.addEventListener(
    "close",
    (event) => {
      if (event.target.matches?.("dialog[data-modal]")) event.target.remove();
    },
    true,
  );

  if (window.htmx) window.htmx.onLoad(openModals);

  document.addEventListener("click", (event) => {
    const closer = event.target.closest("[data-dialog-close]");
    const dialog = closer?.closest("dialog");
    if (dialog?.matches(":modal")) {
      event.preventDefault();
      dialog.close();
    }
    const toastClose = event.target.closest("[data-toast-close]");
    if (toastClose) dismissToast(toastClose.closest("[data-toast]"));
    for (const menu of document.querySelectorAll("details[data-menu][open]")) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of document.querySelectorAll("details[data-menu][open]")) menu.open = false;
  });

  // Upload: name the chosen files, highlight the zone while dragging, show upload progress.
  function describeFiles(input) {
    const list = input.closest("[data-dropzone]")?.querySelector("[data-file-list]");
    if (!list) return;
    const names = [...input.files].map((file) => file.name);
    const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? ", …" : "");
    list.textContent = names.length
      ? `${names.length} file${names.length === 1 ? "" : "s"} chosen: ${shown}`
      : "";
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-dropzone] input[type=file]")) describeFiles(event.target);
  });

  for (const type of ["dragenter", "dragover"]) {
    document.addEventListener(type, (event) => {
      event.target.closest?.("[data-dropzone]")?.classList.add("dropzone--over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    document.addEventListener(type, (event) => {
      event.target.closest?.("[data-dropzone]")?.classList.remove("dropzone--over");
    });
  }

  document.addEventListener("htmx:xhr:progress", (event) => {
    const form = event.target.closest?.("form");
    const bar = form?.querySelector("[data-upload-progress]");
    if (!bar || !event.detail.lengthComputable) return;
    const percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    bar.value = percent;
    const label = form.querySelector("[data-upload-label]");
    if (label) label.textContent = percent < 100 ? `Uploading… ${percent}%` : "Importing…";
  });
})();
