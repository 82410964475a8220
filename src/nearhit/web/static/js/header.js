// The header both pages share: which model answers (and whether it is simulated).
import { fetchJSON } from "./sse.js";
import { text } from "./dom.js";

/** Fetch /ui/config and show the model; resolves to the config (or null when the server is away). */
export async function loadConfig() {
  try {
    const config = await fetchJSON("/ui/config");
    text("model-name", config.model);
    const badge = document.getElementById("model-badge");
    badge?.setAttribute("title", `Answers come from ${config.model} (priced as ${config.priced_as})`);
    const sim = document.getElementById("model-sim");
    if (sim) sim.hidden = !config.simulated;
    const hint = document.getElementById("sim-hint");
    if (hint) {
      hint.hidden = !config.simulated;
      if (config.hint) text("sim-hint-text", config.hint);
    }
    return config;
  } catch (error) {
    text("model-name", "unknown (server unreachable)");
    return null;
  }
}
