// Stored bodies made readable: JSON pretty-printed, an event stream (SSE) shown as the text
// its deltas assemble to (OpenAI, Anthropic, Gemini), the raw text always at hand.

function events(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block.split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data && data !== "[DONE]") out.push(data);
  }
  return out;
}

function deltaText(event) {
  if (event.type === "content_block_delta") {  // Anthropic
    return event.delta?.type === "text_delta" ? event.delta.text || "" : "";
  }
  if (event.type === "response.output_text.delta") return event.delta || "";  // OpenAI Responses
  if (Array.isArray(event.choices)) {  // OpenAI chat completions (first choice)
    const choice = event.choices.find((c) => (c.index ?? 0) === 0);
    const content = choice?.delta?.content ?? choice?.text;
    return typeof content === "string" ? content : "";
  }
  if (Array.isArray(event.candidates)) {  // Gemini
    const parts = event.candidates[0]?.content?.parts || [];
    return parts.map((part) => (typeof part.text === "string" ? part.text : "")).join("");
  }
  return "";
}

/** The text an event stream's deltas assemble to, and how many events it held. */
function assembleStream(text) {
  let assembled = "";
  let parsed = 0;
  const datas = events(text);
  for (const data of datas) {
    try {
      assembled += deltaText(JSON.parse(data));
      parsed++;
    } catch {
      // not JSON: a stream of another kind, shown raw
    }
  }
  return {text: assembled, events: datas.length, parsed};
}

function isEventStream(text, contentType) {
  return /text\/event-stream/i.test(contentType) || /^(data|event|id):/.test(text.trimStart());
}

/** How to show a body: `{kind, shown, raw}`, `shown` being the readable form. */
export function presentBody(text, contentType) {
  if (isEventStream(text, contentType)) {
    const stream = assembleStream(text);
    if (stream.parsed) {
      return {kind: "stream", shown: stream.text, raw: text, events: stream.events};
    }
  }
  if (/json/i.test(contentType) || /^[[{]/.test(text.trimStart())) {
    try {
      return {kind: "json", shown: JSON.stringify(JSON.parse(text), null, 2), raw: text};
    } catch {
      // not JSON after all
    }
  }
  return {kind: "text", shown: text, raw: text};
}
