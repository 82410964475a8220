// A small Server-Sent Events reader for POST requests (EventSource can only GET).
// It follows the WHATWG parsing rules that matter here: "event", "data" (multi-line), "id",
// comments (":" lines, e.g. keep-alive pings), and any of CRLF / LF / CR as line ends.
import { HttpError, withCredential } from "./http.js";

/**
 * POST `body` as JSON to `url` and call `onEvent({event, data, id})` for each event, `data` parsed as JSON
 * when it is JSON. Resolves when the stream ends. Throws an HttpError for a non-2xx answer.
 */
export async function postSSE(url, body, { onEvent, signal } = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: withCredential({ "Content-Type": "application/json", Accept: "text/event-stream" }),
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
