// A small Server-Sent Events reader for POST requests (EventSource can only GET).
// It follows the WHATWG parsing rules that matter here: "event", "data" (multi-line), "id",
// comments (":" lines, e.g. keep-alive pings), and any of CRLF / LF / CR as line ends.

/**
 * POST `body` as JSON to `url` and call `onEvent({event, data, id})` for each event, `data` parsed as JSON
 * when it is JSON. Resolves when the stream ends. Throws an HttpError for a non-2xx answer.
 */
export async function postSSE(url, body, { onEvent, signal } = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) {
    throw await HttpError.from(response);
  }
  if (!response.body) throw new Error("the server sent no stream");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SSEParser(onEvent);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.push(value);
  }
  parser.push("\n\n"); // dispatch a last event not followed by a blank line
}

export class SSEParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = "";
    this.reset();
  }

  reset() {
    this.event = "";
    this.data = [];
    this.id = null;
  }

  push(text) {
    this.buffer += text;
    // Keep a trailing "\r": it may be the first half of a "\r\n" split across chunks.
    const lines = this.buffer.split(/\r\n|\n|\r(?!$)/);
    this.buffer = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === "") {
      if (this.data.length) {
        const raw = this.data.join("\n");
        let data = raw;
        try {
          data = JSON.parse(raw);
        } catch {
          /* not JSON: hand over the text */
        }
        this.onEvent?.({ event: this.event || "message", data, id: this.id });
      }
      this.reset();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
  }
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
      401: "The server needs an admin token for this",
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
  const init = body === undefined ? { signal } : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal,
  };
  const response = await fetch(url, init);
  if (!response.ok) throw await HttpError.from(response);
  return response.json();
}
