// JSON over HTTP for every page: one fetchJSON, the caller's key on every call, and errors turned into
// sentences a person can read.

const KEY_STORAGE = "nearhit.key";

/** The key the person entered (a gateway key or the admin token): kept for this tab's life only
 * (sessionStorage, never localStorage), sent as `Authorization: Bearer` when the server is secured. */
export const credential = {
  get: () => sessionStorage.getItem(KEY_STORAGE) ?? "",
  set(value) {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  },
};

/** `headers` plus the caller's key, when there is one. */
export function withCredential(headers = {}) {
  const key = credential.get();
  return key ? { ...headers, Authorization: `Bearer ${key}` } : headers;
}

/** A non-2xx answer, with the server's `detail` turned into a sentence a person can read. */
export class HttpError extends Error {
  constructor(status, detail) {
    super(explain(status, detail));
    this.status = status;
    this.detail = detail;
  }

  static async from(response) {
    let detail = "";
    try {
      const body = await response.json();
      detail = body?.detail ?? "";
    } catch {
      /* no JSON body */
    }
    return new HttpError(response.status, detail);
  }
}

function detailText(detail) {
  if (Array.isArray(detail)) {
    // FastAPI validation errors: [{loc: [...], msg}]
    return detail
      .map((d) => {
        const where = Array.isArray(d.loc) ? d.loc.filter((x) => x !== "body").join(".") : "";
        return where ? `${where}: ${d.msg}` : d.msg;
      })
      .join("; ");
  }
  return typeof detail === "string" ? detail : "";
}

/** Plain words for an HTTP status and the server's detail. */
export function explain(status, detail) {
  const said = detailText(detail);
  const lead =
    {
      400: "The request was refused",
      401: "The server needs a key for this: enter a gateway key (or the admin token) in the Key field at the top",
      403: "Your key may not do this",
      404: "Not found",
      413: "The question is too long for the server",
      422: "Some input is not valid",
      429: "Too many requests: the model is rate-limiting, try again in a moment",
      500: "The server hit an internal error",
      502: "The model's server could not be reached",
      503: "A service the cache needs is unavailable",
      504: "The model took too long to answer",
    }[status] ?? `The server answered ${status}`;
  return said ? `${lead}: ${said}` : `${lead}.`;
}

/** GET or POST JSON; throws HttpError on a non-2xx answer. */
export async function fetchJSON(url, { body, signal } = {}) {
  const init = body === undefined ? { signal, headers: withCredential() } : {
    method: "POST",
    headers: withCredential({ "Content-Type": "application/json" }),
    body: JSON.stringify(body),
    signal,
  };
  const response = await fetch(url, init);
  if (!response.ok) throw await HttpError.from(response);
  return response.json();
}
