/**
 * The inbox page: one static HTML document, its stylesheet and its script, each served as its own file (no build
 * step, no framework). The Content-Security-Policy allows only these files ('self'), no inline script, so text
 * that reached the page could not run even if it were ever inserted as HTML. Everything the page shows comes from
 * `/api/escalations` and is inserted as text, never as HTML, since arguments and the model's words are untrusted.
 */
export const inboxPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>durable-agent · escalations</title>
<link rel="stylesheet" href="/inbox.css">
</head>
<body>
<header>
  <h1>durable-agent · escalations waiting for a person</h1>
  <span id="identity">…</span>
  <button id="refresh" type="button">Refresh</button>
</header>
<main id="runs"><p class="empty">Loading…</p></main>
<script src="/inbox.js"></script>
</body>
</html>
`;

export const inboxStyle = `  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f4f5f7; }
  body { margin: 0; }
  header { display: flex; gap: 1rem; align-items: center; padding: .8rem 1.5rem; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
  header button { background: #3b4a6b; color: #fff; border: 0; padding: .35rem .8rem; border-radius: 4px; cursor: pointer; }
  #identity.missing { background: #b42318; padding: .25rem .6rem; border-radius: 4px; }
  main { max-width: 1100px; margin: 1rem auto; padding: 0 1rem; }
  .empty { color: #5b6478; padding: 2rem; text-align: center; }
  article { background: #fff; border: 1px solid #d9dde5; border-left: 5px solid #d97706; border-radius: 6px; padding: 1rem 1.2rem; margin-bottom: 1rem; }
  article.done { border-left-color: #15803d; opacity: .75; }
  article.undecodable { border-left-color: #6b7280; }
  .cause { color: #5b6478; font-size: .85rem; font-family: ui-monospace, monospace; }
  article h2 { font-size: 1rem; margin: 0 0 .3rem; font-family: ui-monospace, monospace; }
  .meta { color: #5b6478; font-size: .85rem; display: flex; gap: 1rem; flex-wrap: wrap; }
  .kind { font-weight: 600; color: #92400e; }
  .reason { margin: .6rem 0; font-size: 1rem; }
  dl { display: grid; grid-template-columns: 8rem 1fr; gap: .3rem .8rem; margin: .6rem 0; }
  dt { color: #5b6478; }
  dd { margin: 0; }
  pre { margin: 0; background: #f4f5f7; padding: .5rem; border-radius: 4px; white-space: pre-wrap; word-break: break-word; font-size: .85rem; }
  details { margin: .6rem 0; }
  summary { cursor: pointer; color: #3b4a6b; }
  ol.trace { font-family: ui-monospace, monospace; font-size: .8rem; padding-left: 2.5rem; margin: .4rem 0; }
  ol.trace li { margin: .1rem 0; }
  .decide { border-top: 1px solid #e5e7eb; margin-top: .8rem; padding-top: .8rem; display: grid; gap: .5rem; }
  .decide label { font-size: .85rem; color: #5b6478; display: grid; gap: .2rem; }
  .decide textarea { font-family: ui-monospace, monospace; font-size: .85rem; min-height: 5rem; }
  .buttons { display: flex; gap: .5rem; flex-wrap: wrap; }
  .buttons button { padding: .4rem .9rem; border-radius: 4px; border: 1px solid #9aa3b5; background: #fff; cursor: pointer; }
  .buttons button[data-decision=approve] { background: #15803d; color: #fff; border-color: #15803d; }
  .buttons button[data-decision=abort] { color: #b42318; border-color: #b42318; }
  .buttons button:disabled { opacity: .5; cursor: not-allowed; }
  .result { font-size: .9rem; padding: .4rem .6rem; border-radius: 4px; }
  .result.ok { background: #dcfce7; color: #14532d; }
  .result.refused { background: #fee2e2; color: #7f1d1d; }
  .error { color: #b42318; }
`;

export const inboxScript = `"use strict";
var state = { identity: null, busy: false, lastLoad: 0 };

// Text from models and clients is shown, never obeyed: control and bidi characters (an RTL override reordering a
// proposed call's arguments) are written out as \\uXXXX. Line breaks stay: reasoning is multi-line.
var INVISIBLE = /[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff]/g;
function visible(text) {
  return String(text).replace(INVISIBLE, function (c) { return "\\\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4); });
}

function el(tag, attrs) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k === "text") node.textContent = visible(attrs[k]);
    else if (k === "className") node.className = attrs[k];
    else node.setAttribute(k, attrs[k]);
  });
  for (var i = 2; i < arguments.length; i++) if (arguments[i]) node.appendChild(arguments[i]);
  return node;
}

function waited(fromIso) {
  var s = Math.max(0, Math.floor((Date.now() - Date.parse(fromIso)) / 1000));
  var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  if (h > 0) return h + "h " + String(m).padStart(2, "0") + "m";
  if (m > 0) return m + "m " + String(sec).padStart(2, "0") + "s";
  return sec + "s";
}

function row(dl, term, node) {
  dl.appendChild(el("dt", { text: term }));
  dl.appendChild(el("dd", {}, node));
}

function showIdentity(identity, message) {
  var badge = document.getElementById("identity");
  state.identity = identity;
  if (identity) { badge.textContent = "acting as " + visible(identity); badge.className = ""; badge.removeAttribute("title"); }
  else { badge.textContent = "no identity: decisions are refused"; badge.className = "missing"; badge.title = visible(message || ""); }
}

function card(item) {
  var esc = item.escalation;
  var article = el("article", { "data-workflow-id": item.workflowId });
  article.appendChild(el("h2", { text: item.workflowId }));
  var meta = el("div", { className: "meta" });
  meta.appendChild(el("span", { text: "agent " + item.agent }));
  meta.appendChild(el("span", { text: "correlation id " + item.correlationId }));
  if (item.uiUrl) meta.appendChild(el("a", { href: item.uiUrl, target: "_blank", rel: "noopener", text: "open in Temporal UI" }));
  else meta.appendChild(el("span", { className: "no-ui", text: "Temporal UI: address unknown (start the inbox with TEMPORAL_UI_URL set)" }));
  article.appendChild(meta);
  if (item.undecodable) {
    // Which run, that its payloads could not be decoded here, and the likely cause; nothing to decide on.
    article.className = "undecodable";
    article.appendChild(el("p", { className: "error", text: "Its payloads could not be decoded by this inbox: " + item.undecodable.detail }));
    article.appendChild(el("p", { className: "cause", text: "cause: " + item.undecodable.cause }));
    return article;
  }
  if (!esc) {
    article.appendChild(el("p", { className: "error", text: item.error || "no pending escalation (it may have just been resolved)" }));
    return article;
  }
  var reason = el("p", { className: "reason" });
  reason.appendChild(el("span", { className: "kind", text: esc.kind }));
  reason.appendChild(document.createTextNode(": " + visible(esc.reason)));
  article.appendChild(reason);

  var dl = el("dl");
  var wait = el("span", { className: "waited", "data-since": esc.raisedAt, text: waited(esc.raisedAt) });
  row(dl, "waiting", wait);
  row(dl, "deadline", el("span", { text: esc.deadline }));
  row(dl, "step", el("span", { text: String(esc.step) }));
  var call = esc.proposedCall;
  if (call) {
    row(dl, "proposed call", el("pre", { className: "proposed", text: call.tool + " " + JSON.stringify(call.args, null, 2) }));
    if (call.reasoning) row(dl, "model said", el("pre", { className: "reasoning", text: call.reasoning }));
    if (call.rationale) row(dl, "rationale", el("pre", { className: "rationale", text: call.rationale }));
    if (typeof call.confidence === "number") row(dl, "confidence", el("span", { text: String(call.confidence) }));
  }
  (esc.errors || []).forEach(function (e) {
    var fields = (e.fields || []).map(function (f) { return f.path + ": expected " + f.expected + ", got " + f.received; }).join("; ");
    row(dl, "error", el("pre", { text: e.tool + " " + e.code + ": " + (fields || e.message) }));
  });
  if (esc.approvers && esc.approvers.length) row(dl, "approvers", el("span", { text: esc.approvers.join(", ") }));
  article.appendChild(dl);

  var trace = el("ol", { className: "trace", start: String(item.trace.length ? item.trace[0].seq : 0) });
  item.trace.forEach(function (t) { trace.appendChild(el("li", { text: t.kind + "  " + t.line })); });
  var shown = item.trace.length < item.traceLength ? " (last " + item.trace.length + " of " + item.traceLength + ")" : "";
  article.appendChild(el("details", {}, el("summary", { text: "trace so far: " + item.traceLength + " events" + shown }), trace));

  article.appendChild(decideForm(item, esc));
  return article;
}

function decideForm(item, esc) {
  var form = el("div", { className: "decide" });
  var allowed = esc.allowedDecisions;
  var argsBox = null;
  if (allowed.indexOf("edit") >= 0 && esc.proposedCall) {
    argsBox = el("textarea", { name: "args", spellcheck: "false" });
    argsBox.value = JSON.stringify(esc.proposedCall.args, null, 2);
    form.appendChild(el("label", { text: "arguments (for edit)" }, argsBox));
  }
  var textBox = el("textarea", { name: "text", placeholder: "an answer for the model, or a reason for reject / abort" });
  textBox.style.minHeight = "2.5rem";
  form.appendChild(el("label", { text: "answer or reason" }, textBox));
  var buttons = el("div", { className: "buttons" });
  var result = el("div", { className: "result", role: "status" });
  allowed.forEach(function (decision) {
    var b = el("button", { type: "button", "data-decision": decision, text: decision });
    b.addEventListener("click", function () { send(item, esc, decision, argsBox, textBox, buttons, result); });
    buttons.appendChild(b);
  });
  form.appendChild(buttons);
  form.appendChild(result);
  return form;
}

function send(item, esc, decision, argsBox, textBox, buttons, result) {
  var body = { escalationId: esc.id, decision: decision };
  var text = textBox.value.trim();
  if (decision === "edit") {
    try { body.args = JSON.parse(argsBox.value); }
    catch (e) { return show(result, false, "the arguments are not valid JSON: " + e.message); }
  }
  if (text && decision !== "approve" && decision !== "edit") body.text = text;
  if (decision === "answer" && !text) return show(result, false, "an answer needs text");
  setBusy(buttons, true);
  show(result, null, "sending " + decision + "…");
  fetch("/api/runs/" + encodeURIComponent(item.workflowId) + "/resolve", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body)
  }).then(function (res) {
    return res.json().then(function (data) { return { status: res.status, data: data }; });
  }).then(function (r) {
    if (r.status === 200) {
      var o = r.data.outcome;
      show(result, true, "done: " + o.decision + " by " + o.by + " (" + o.note + ")");
      buttons.closest("article").classList.add("done");
      setTimeout(load, 2000);
    } else {
      show(result, false, "refused: " + r.data.error);
      setBusy(buttons, false);
    }
  }).catch(function (e) { show(result, false, "could not reach the inbox: " + e.message); setBusy(buttons, false); });
}

function setBusy(buttons, busy) {
  state.busy = busy;
  Array.prototype.forEach.call(buttons.querySelectorAll("button"), function (b) { b.disabled = busy; });
}

function show(node, ok, message) {
  node.textContent = visible(message);
  node.className = "result" + (ok === true ? " ok" : ok === false ? " refused" : "");
}

function load() {
  state.lastLoad = Date.now();
  return fetch("/api/escalations").then(function (res) {
    return res.json().then(function (data) { return { status: res.status, data: data }; });
  }).then(function (r) {
    var data = r.data;
    if (r.status !== 200) {
      // Behind a proxy, reading needs an identity too: say why instead of showing an empty inbox.
      showIdentity(null, data.error);
      document.getElementById("runs").textContent = "refused: " + visible(data.error);
      return;
    }
    showIdentity(data.identity, null);
    var main = document.getElementById("runs");
    main.textContent = "";
    if (!data.runs.length) main.appendChild(el("p", { className: "empty", text: "No escalated runs. Nothing waits for a person." }));
    data.runs.forEach(function (item) { main.appendChild(card(item)); });
    if (!data.identity) fetch("/api/me").then(function (r) { return r.json(); }).then(function (me) { showIdentity(me.identity, me.message); });
  }).catch(function (e) {
    document.getElementById("runs").textContent = "could not load escalations: " + visible(e.message);
  });
}

document.getElementById("refresh").addEventListener("click", load);
// Keep the waiting times current; reload every 15 s unless the person is typing or a decision is in flight.
setInterval(function () {
  Array.prototype.forEach.call(document.querySelectorAll(".waited"), function (n) { n.textContent = waited(n.getAttribute("data-since")); });
  var typing = document.activeElement && document.activeElement.tagName === "TEXTAREA";
  if (!state.busy && !typing && Date.now() - state.lastLoad > 15000) load();
}, 1000);
load();
`;
