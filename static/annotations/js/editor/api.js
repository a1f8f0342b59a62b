// The REST API as the editor uses it: JSON over fetch with the session cookie and CSRF header.
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || (status ? `The server answered ${status}.` : "The server cannot be reached."));
    Object.assign(this, { status, body, code: body?.code || (status ? `http_${status}` : "network") });
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || "";
  } catch {
    return "";
  }
}

export async function request(method, url, body) {
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, headers, credentials: "same-origin", body: body && JSON.stringify(body) });
  } catch {
    throw new ApiError(0, null);
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
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

// The benchmark page's stand-in: one frame from the page, saves kept in memory.
export function localApi({ frame, labels }) {
  const item = { position: 0, status: "claimed", frames: [frame] };
  return {
    next: async () => ({ status: 200, data: item }),
    labels: async () => labels,
    saveFrame: async (key, body) => ({ data: Object.assign(frame, body, { revision: frame.revision + 1 }) }),
  };
}
