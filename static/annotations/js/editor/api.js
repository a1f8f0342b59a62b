// The REST API calls of the editor; errors carry the API's `code` and `message`.
function apiError(status, body) {
  const fallback = status ? `The server answered ${status}.` : "The server cannot be reached.";
  const error = new Error(body?.message || fallback);
  return Object.assign(error, { status, body, code: body?.code || `http_${status}` });
}

// From base.html's <body hx-headers>, set for htmx.
function csrfToken() {
  return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || "";
}

async function request(method, url, body) {
  const headers = {
    Accept: "application/json",
    "Content-Type": "application/json",
    "X-CSRFToken": csrfToken(),
  };
  let response;
  try {
    response = await fetch(url, { method, headers, body: body && JSON.stringify(body) });
  } catch {
    throw apiError(0);
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw apiError(response.status, data);
  return { status: response.status, data };
}

const get = (url) => request("GET", url).then((response) => response.data);

export function taskApi({ api, task, version }) {
  const tasks = `${api}tasks/${task}/`;
  const frameUrl = (key) => `${api}versions/${version}/frames/${encodeURIComponent(key)}/`;
  return {
    next: () => request("POST", `${tasks}next/`),
    item: (position) => get(`${tasks}items/${position}/`),
    done: (position) => request("POST", `${tasks}items/${position}/done/`),
    skip: (position) => request("POST", `${tasks}items/${position}/skip/`),
    frame: (key) => get(frameUrl(key)),
    saveFrame: (key, body) => request("PATCH", frameUrl(key), body),
    history: (key) => get(`${frameUrl(key)}history/`),
    restore: (key, revision, current) =>
      request("POST", `${frameUrl(key)}history/${revision}/restore/`, { revision: current }),
    labels: () => get(`${api}versions/${version}/labels/`),
  };
}
