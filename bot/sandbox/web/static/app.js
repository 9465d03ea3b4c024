// quizbot sandbox chat page: plain JavaScript, no build step.
// Every piece of text from the server is put in the page as a text node (never as HTML), and
// Telegram's entities (UTF-16 offsets, the same units as JavaScript strings) become elements.
"use strict";

const state = {
  people: [],
  bot: null,
  me: null, // user id
  chats: [],
  chatId: null,
  etag: "",
  generation: 0,
  controller: null,
  messages: [],
  rendered: new Map(), // message id -> {key, nodes}: what is on screen
  stick: true, // keep the newest message in view
  replyTo: null, // message id the next text answers (ForceReply), or null
  replyDismissed: null,
  selected: new Map(), // poll id -> Set of option ids (multiple-answer polls)
};

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body;
  try {
    body = await response.json();
  } catch (error) {
    throw new Error(`${response.status} ${response.statusText}`);
  }
  if (!body.ok) throw new Error(body.description || "request failed");
  return body;
}

function postJSON(path, payload) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
}

// --- formatting --------------------------------------------------------------------------

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tg:"]);

function safeUrl(raw) {
  try {
    const url = new URL(raw, "https://invalid.example/");
    if (!SAFE_PROTOCOLS.has(url.protocol) || url.host === "invalid.example") return null;
    return url.href;
  } catch (error) {
    return null;
  }
}

// A t.me link to this bot with ?start=PAYLOAD: Telegram opens the private chat with the bot
// and sends "/start PAYLOAD" for you; so does this page.
function deepLinkPayload(href) {
  if (!state.bot) return null;
  try {
    const url = new URL(href);
    const name = url.pathname.replace(/^\//, "").toLowerCase();
    if (!["t.me", "telegram.me"].includes(url.hostname) || name !== state.bot.username.toLowerCase()) {
      return null;
    }
    return url.searchParams.get("start");
  } catch (error) {
    return null;
  }
}

function link(href, text) {
  const a = el("a", null, null);
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  if (text !== undefined) a.textContent = text;
  const payload = deepLinkPayload(href);
  if (payload !== null) {
    a.classList.add("deep-link");
    a.addEventListener("click", (event) => {
      event.preventDefault();
      openDeepLink(payload);
    });
  }
  return a;
}

function openDeepLink(payload) {
  openChat(state.me);
  return sendText(payload ? `/start ${payload}` : "/start", state.me);
}

function entityElement(entity, content) {
  switch (entity.type) {
    case "bold": return el("strong");
    case "italic": return el("em");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": {
      const pre = el("pre");
      if (entity.language) pre.dataset.language = entity.language;
      return pre;
    }
    case "blockquote": return el("blockquote");
    case "expandable_blockquote": return el("blockquote", "expandable");
    case "spoiler": {
      const span = el("span", "spoiler");
      span.addEventListener("click", () => span.classList.add("shown"));
      return span;
    }
    case "text_link": {
      const href = safeUrl(entity.url || "");
      return href ? link(href) : el("span");
    }
    case "url": {
      const href = safeUrl(/^[a-z][a-z0-9+.-]*:/i.test(content) ? content : `http://${content}`);
      return href ? link(href) : el("span");
    }
    case "email": return link(`mailto:${content}`);
    case "bot_command": {
      const span = el("span", "command");
      span.title = "Send this command";
      span.addEventListener("click", () => sendText(content));
      return span;
    }
    case "mention":
    case "text_mention": return el("span", "mention");
    case "hashtag":
    case "cashtag": return el("span", "hashtag");
    default: return el("span");
  }
}

// Append `text[start:end]` to `parent`, turning the (sorted, nested) entities into elements.
function buildFormatted(parent, text, start, end, entities) {
  let position = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    if (entity.offset < position) { i += 1; continue; } // overlapping: not nested, skip
    if (entity.offset >= end) break;
    parent.append(text.slice(position, entity.offset));
    const entityEnd = Math.min(entity.offset + entity.length, end);
    const inner = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < entityEnd) {
      if (entities[j].offset + entities[j].length <= entityEnd) inner.push(entities[j]);
      j += 1;
    }
    const node = entityElement(entity, text.slice(entity.offset, entityEnd));
    buildFormatted(node, text, entity.offset, entityEnd, inner);
    parent.append(node);
    position = entityEnd;
    i = j;
  }
  parent.append(text.slice(position, end));
}

function formatted(className, text, entities) {
  const node = el("div", className);
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  buildFormatted(node, text || "", 0, (text || "").length, sorted);
  return node;
}

function timeOf(seconds) {
  const date = new Date(seconds * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function sizeOf(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// --- messages ----------------------------------------------------------------------------

function currentChat() {
  return state.chats.find((chat) => chat.id === state.chatId) || null;
}

function renderPoll(message) {
  const poll = message.poll;
  const box = el("div", "poll");
  box.dataset.pollId = poll.id;
  const kind = poll.type === "quiz" ? "Quiz" : "Poll";
  box.append(el("div", "poll-kind", poll.anonymous ? `Anonymous ${kind}` : kind));
  box.append(formatted("poll-question", poll.question, poll.question_entities));
  const voted = poll.chosen !== null && poll.chosen !== undefined;
  if (!voted && !poll.closed) {
    const picked = state.selected.get(poll.id) || new Set();
    poll.options.forEach((option, index) => {
      const button = el("button", "poll-option");
      button.type = "button";
      button.dataset.index = String(index);
      const circle = el("span", "circle");
      if (picked.has(index)) circle.style.background = "var(--accent)";
      button.append(circle, formatted("option-text", option.text, option.entities));
      button.addEventListener("click", () => {
        if (poll.multiple) {
          picked.has(index) ? picked.delete(index) : picked.add(index);
          state.selected.set(poll.id, picked);
          renderMessages();
        } else {
          vote(poll.id, [index]);
        }
      });
      box.append(button);
    });
    if (poll.multiple) {
      const submit = el("button", "inline-button poll-submit", "Vote");
      submit.type = "button";
      submit.addEventListener("click", () => vote(poll.id, [...picked].sort()));
      box.append(submit);
    }
  } else {
    const chosen = new Set(poll.chosen || []);
    const known = poll.correct !== undefined;
    const correct = new Set(poll.correct || []);
    poll.options.forEach((option, index) => {
      const row = el("div", "poll-result");
      row.dataset.index = String(index);
      let mark = "";
      if (known && correct.has(index)) {
        row.classList.add("correct");
        mark = "✓";
      } else if (chosen.has(index) && known) {
        row.classList.add("wrong");
        mark = "✗";
      } else if (chosen.has(index)) {
        mark = "•";
      }
      if (chosen.has(index)) row.classList.add("chosen");
      const share = poll.total && option.votes !== null ? Math.round((100 * option.votes) / poll.total) : 0;
      const line = el("div", "line");
      line.append(
        el("span", "percent", option.votes === null ? "" : `${share}%`),
        el("span", "mark", mark),
        formatted("option-text", option.text, option.entities),
      );
      row.append(line);
      const bar = el("div", "bar");
      bar.style.width = `calc((100% - 80px) * ${share / 100})`;
      row.append(bar);
      box.append(row);
    });
    if (poll.type === "quiz" && voted && known) {
      const right = poll.chosen.every((i) => correct.has(i)) && poll.chosen.length === correct.size;
      box.append(el("div", `poll-verdict ${right ? "right" : "wrong"}`, right ? "✓ Right answer" : "✗ Wrong answer"));
    }
    if (poll.explanation) {
      const explanation = formatted("poll-explanation", "", []);
      explanation.append("💡 ");
      buildFormatted(explanation, poll.explanation, 0, poll.explanation.length,
        [...(poll.explanation_entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length));
      box.append(explanation);
    }
  }
  const footer = el("div", "poll-footer");
  const votes = `${poll.total} ${poll.total === 1 ? "vote" : "votes"}`;
  const label = poll.hidden && voted ? "Voted · results when the poll closes" : votes;
  if (poll.closed) footer.textContent = `Final results · ${votes}`;
  else if (poll.close_date) {
    footer.dataset.closeDate = String(poll.close_date);
    footer.dataset.votes = label;
    updateCountdown(footer);
  } else footer.textContent = label;
  box.append(footer);
  return box;
}

function updateCountdown(footer) {
  const left = Math.max(0, Number(footer.dataset.closeDate) - Math.floor(Date.now() / 1000));
  footer.textContent = `${footer.dataset.votes} · closes in ${left} s`;
}

function renderKeyboard(message) {
  const keyboard = el("div", "keyboard");
  for (const row of message.buttons) {
    const line = el("div", "keyboard-row");
    for (const button of row) {
      if (button.url) {
        const href = safeUrl(button.url);
        const a = href ? link(href, button.text) : el("span", null, button.text);
        a.classList.add("inline-button");
        line.append(a);
      } else {
        const b = el("button", "inline-button", button.text);
        b.type = "button";
        if (button.callback_data !== undefined) {
          b.addEventListener("click", () => tap(message.id, button.callback_data, b));
        } else b.disabled = true;
        line.append(b);
      }
    }
    keyboard.append(line);
  }
  return keyboard;
}

function renderMessage(message, isGroup) {
  if (message.service) {
    const node = el("div", "message service", message.service);
    node.dataset.messageId = String(message.id);
    return [node];
  }
  const node = el("div", "message");
  node.dataset.messageId = String(message.id);
  if (message.outgoing) node.classList.add("outgoing");
  if (message.from && message.from.is_bot) node.classList.add("from-bot");
  if (isGroup && !message.outgoing && message.from) {
    node.append(el("div", "sender", message.from.name));
  }
  if (message.reply_to) {
    const quote = el("div", "reply-quote");
    quote.append(el("b", null, message.reply_to.name), message.reply_to.text);
    node.append(quote);
  }
  if (message.photo) {
    const figure = el("div", "photo");
    const img = el("img");
    img.addEventListener("load", keepAtBottom);
    img.src = message.photo.url;
    img.alt = message.caption || "Photo";
    img.width = Math.min(message.photo.width || 480, 480);
    figure.append(img);
    node.append(figure);
  }
  if (message.document && message.document.preview) {
    const figure = el("div", "photo");
    const img = el("img");
    img.addEventListener("load", keepAtBottom);
    img.src = message.document.view_url;
    img.alt = message.document.name;
    figure.append(img);
    node.append(figure);
  }
  if (message.document) {
    const doc = el("div", "document");
    const icon = link(message.document.url, "⬇");
    icon.className = "icon";
    icon.setAttribute("download", message.document.name);
    icon.title = `Download ${message.document.name}`;
    const info = el("div");
    const name = link(message.document.url, message.document.name);
    name.className = "name";
    name.setAttribute("download", message.document.name);
    info.append(name, el("div", "size", sizeOf(message.document.size)));
    doc.append(icon, info);
    node.append(doc);
  }
  if (message.poll) node.append(renderPoll(message));
  if (message.text !== undefined) node.append(formatted("body", message.text, message.entities));
  if (message.caption !== undefined) node.append(formatted("body caption", message.caption, message.caption_entities));
  node.append(el("div", "meta", `${message.edited ? "edited " : ""}${timeOf(message.date)}`));
  const bubble = el("div", message.outgoing ? "bubble outgoing" : "bubble");
  bubble.append(node);
  if (message.buttons) bubble.append(renderKeyboard(message));
  return [bubble];
}

// Messages are re-rendered only when they change (pictures are not reloaded), and the view
// stays at the bottom while you are there, or where you scrolled to.
function renderMessages() {
  const box = $("messages");
  const chat = currentChat();
  const isGroup = chat ? chat.type !== "private" : false;
  const scrollTop = box.scrollTop;
  const atBottom = box.scrollHeight - scrollTop - box.clientHeight < 80;
  const stick = atBottom || state.scrollToEnd || box.childElementCount === 0;
  const nodes = [];
  if (!state.messages.length) {
    nodes.push(el("div", "empty", chat && chat.type === "private"
      ? `Press START to talk to ${state.bot ? state.bot.name : "the bot"}.` : "No messages yet."));
  }
  const rendered = new Map();
  for (const message of state.messages) {
    const picked = message.poll ? state.selected.get(message.poll.id) : null;
    const key = JSON.stringify([message, isGroup, picked ? [...picked] : null]);
    const cached = state.rendered.get(message.id);
    const entry = cached && cached.key === key
      ? cached : { key, nodes: renderMessage(message, isGroup) };
    rendered.set(message.id, entry);
    nodes.push(...entry.nodes);
  }
  state.rendered = rendered;
  box.replaceChildren(...nodes);
  const started = !chat || chat.started || state.messages.length > 0;
  $("composer").hidden = !chat || !started;
  $("start-bar").hidden = !chat || started;
  renderReplyBar();
  if (stick) {
    box.scrollTop = box.scrollHeight;
    state.scrollToEnd = false;
    state.stick = true;
  } else {
    box.scrollTop = scrollTop;
    state.stick = false;
  }
}

function keepAtBottom() {
  const box = $("messages");
  if (state.stick) box.scrollTop = box.scrollHeight;
}

function renderChats() {
  const list = $("chat-list");
  list.replaceChildren();
  for (const chat of state.chats) {
    const item = el("button", "chat-item");
    item.type = "button";
    item.dataset.chatId = String(chat.id);
    if (chat.id === state.chatId) item.classList.add("active");
    const avatar = el("div", chat.type === "private" ? "avatar" : "avatar group", chat.title.slice(0, 1));
    const text = el("div", "chat-text");
    text.append(el("div", "chat-name", chat.title), el("div", "chat-last", chat.last || chat.subtitle));
    item.append(avatar, text);
    item.addEventListener("click", () => openChat(chat.id));
    list.append(item);
  }
  const chat = currentChat();
  $("chat-title").textContent = chat ? chat.title : "Choose a chat";
  $("chat-subtitle").textContent = chat ? chat.subtitle : "";
}

// A bot message with ForceReply after your last message: Telegram's apps open a reply to it.
function forcedReply() {
  for (let i = state.messages.length - 1; i >= 0; i -= 1) {
    const message = state.messages[i];
    if (message.outgoing) return null;
    if (message.force_reply) return message;
  }
  return null;
}

function renderReplyBar() {
  const forced = forcedReply();
  const target = forced && forced.id !== state.replyDismissed ? forced : null;
  state.replyTo = target ? target.id : null;
  $("reply-bar").hidden = !target || $("composer").hidden;
  $("reply-text").textContent = target
    ? `↩ Reply to ${target.from ? target.from.name : "message"}: ${target.text || ""}` : "";
}

function apply(snapshot) {
  state.etag = snapshot.etag;
  state.chats = snapshot.chats;
  state.messages = snapshot.messages;
  renderChats();
  renderMessages();
}

// --- talking to the server ----------------------------------------------------------------

function toast(text, alert) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  box.classList.toggle("alert", Boolean(alert));
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 3000);
}

async function guarded(action) {
  try {
    await action();
  } catch (error) {
    toast(error.message, true);
  }
}

function sendText(text, chatId = state.chatId, replyTo = null) {
  return guarded(async () => {
    state.scrollToEnd = true;
    const payload = { user_id: state.me, chat_id: chatId, text };
    if (replyTo !== null) payload.reply_to = replyTo;
    await postJSON("/web/api/send", payload);
  });
}

function vote(pollId, optionIds) {
  return guarded(async () => {
    state.selected.delete(pollId);
    await postJSON("/web/api/vote", { user_id: state.me, poll_id: pollId, option_ids: optionIds });
  });
}

function tap(messageId, data, button) {
  return guarded(async () => {
    button.disabled = true;
    try {
      const body = await postJSON("/web/api/tap", {
        user_id: state.me, chat_id: state.chatId, message_id: messageId, data,
      });
      if (body.answer && body.answer.text) toast(body.answer.text, body.answer.show_alert);
    } finally {
      button.disabled = false;
    }
  });
}

function upload(file) {
  return guarded(async () => {
    const form = new FormData();
    form.append("user_id", String(state.me));
    form.append("chat_id", String(state.chatId));
    const caption = $("composer-text").value.trim();
    if (caption) form.append("caption", caption);
    form.append("file", file, file.name);
    state.scrollToEnd = true;
    await api("/web/api/upload", { method: "POST", body: form });
    $("composer-text").value = "";
  });
}

async function follow(generation, signal) {
  while (generation === state.generation) {
    const query = new URLSearchParams({ user_id: String(state.me), since: state.etag });
    if (state.chatId !== null) query.set("chat_id", String(state.chatId));
    try {
      const snapshot = await api(`/web/api/messages?${query}`, { signal });
      if (generation !== state.generation) return;
      apply(snapshot);
      if (state.chatId === null && state.chats.length) {
        openChat(state.chats[0].id);
        return;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (state.chatId !== null && /not in chat/.test(error.message)) {
        state.chatId = null; // a stale link: show the chat list instead
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function restart() {
  state.generation += 1;
  if (state.controller) state.controller.abort();
  state.controller = new AbortController();
  state.etag = "";
  const query = new URLSearchParams({ as: String(state.me) });
  if (state.chatId !== null) query.set("chat", String(state.chatId));
  history.replaceState(null, "", `?${query}`);
  follow(state.generation, state.controller.signal);
}

function openChat(chatId) {
  state.chatId = chatId;
  state.messages = [];
  state.rendered = new Map();
  state.replyTo = null;
  state.scrollToEnd = true;
  renderChats();
  restart();
}

function choosePerson(userId) {
  state.me = userId;
  state.chatId = null;
  state.chats = [];
  state.messages = [];
  state.rendered = new Map();
  renderChats();
  renderMessages();
  restart();
}

async function main() {
  const body = await api("/web/api/people");
  state.people = body.people;
  state.bot = body.bot;
  const select = $("persona");
  for (const person of state.people) {
    const option = el("option", null, person.role && person.role !== "user"
      ? `${person.name} (${person.role})` : person.name);
    option.value = String(person.id);
    select.append(option);
  }
  select.addEventListener("change", () => choosePerson(Number(select.value)));
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("composer-text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendText(text, state.chatId, state.replyTo);
  });
  $("reply-cancel").addEventListener("click", () => {
    state.replyDismissed = state.replyTo;
    renderReplyBar();
  });
  $("start-button").addEventListener("click", () => sendText("/start"));
  $("messages").addEventListener("scroll", () => {
    const box = $("messages");
    state.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  });
  $("file-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) upload(file);
  });
  setInterval(() => document.querySelectorAll(".poll-footer[data-close-date]").forEach(updateCountdown), 1000);

  const params = new URLSearchParams(location.search);
  const wanted = Number(params.get("as"));
  const person = state.people.find((p) => p.id === wanted) || state.people[0];
  if (!person) {
    $("chat-title").textContent = "No people in this sandbox yet";
    return;
  }
  select.value = String(person.id);
  state.me = person.id;
  const chat = params.get("chat");
  state.chatId = chat === null ? null : Number(chat);
  restart();
}

main().catch((error) => toast(error.message, true));
