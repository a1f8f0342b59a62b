// The REST API as the editor uses it: JSON over fetch with the session cookie and CSRF header.
// Errors carry the API's {code, message} and the HTTP status (0: the server cannot be reached).
const apiError = (status, body) =>
  Object.assign(new Error(body?.message || (status ? `The server answered ${status}.` : "The server cannot be reached.")), {
    status, body, code: body?.code || `http_${status}`,
  });

// base.html puts the token in <body hx-headers> for htmx; the API takes it the same way.
const csrfToken = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || "";

export async function request(method, url, body) {
  const headers = { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() };
  let response;
  try {
    response = await fetch(url, { method, headers, credentials: "same-origin", body: body && JSON.stringify(body) });
  } catch {
    throw apiError(0);
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw apiError(response.status, data);
  return { status: response.status, data };
}

const get = (url) => request("GET", url).then((response) => response.data);

export function taskApi({ api, task, version }) {
  const [tasks, frames] = [`${api}tasks/${task}/`, `${api}versions/${version}/frames/`];
  return {
    next: () => request("POST", `${tasks}next/`),
    item: (position) => get(`${tasks}items/${position}/`),
    done: (position) => request("POST", `${tasks}items/${position}/done/`),
    frame: (key) => get(`${frames}${encodeURIComponent(key)}/`),
    saveFrame: (key, body) => request("PATCH", `${frames}${encodeURIComponent(key)}/`, body),
    labels: () => get(`${api}versions/${version}/labels/`),
  };
}
