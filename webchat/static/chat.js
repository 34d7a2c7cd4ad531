// The web chat page: a Telegram-like chat on the WebSocket described in webchat/server.py.
// Everything shown is built as DOM nodes with textContent; no server or person text is parsed as HTML.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("config").textContent);
  const T = config.texts;
  const app = document.getElementById("app");

  const ICONS = {
    send: "M2.01 21L23 12 2.01 3 2 10l15 2-15 2z",
    attach: "M16.5 6v11.5c0 2.21-1.79 4-4 4s-4-1.79-4-4V5a2.5 2.5 0 0 1 5 0v10.5c0 .55-.45 1-1 1s-1-.45-1-1V6H10v9.5a2.5 2.5 0 0 0 5 0V5c0-2.21-1.79-4-4-4S7 2.79 7 5v12.5c0 3.04 2.46 5.5 5.5 5.5s5.5-2.46 5.5-5.5V6h-1.5z",
    location: "M12 2C8.13 2 5 5.13 5 9c0 5.25 7 13 7 13s7-7.75 7-13c0-3.87-3.13-7-7-7zm0 9.5a2.5 2.5 0 0 1 0-5 2.5 2.5 0 0 1 0 5z",
    contact: "M12 12c2.21 0 4-1.79 4-4s-1.79-4-4-4-4 1.79-4 4 1.79 4 4 4zm0 2c-2.67 0-8 1.34-8 4v2h16v-2c0-2.66-5.33-4-8-4z",
    photo: "M21 19V5c0-1.1-.9-2-2-2H5c-1.1 0-2 .9-2 2v14c0 1.1.9 2 2 2h14c1.1 0 2-.9 2-2zM8.5 13.5l2.5 3.01L14.5 12l4.5 6H5l3.5-4.5z",
    document: "M14 2H6c-1.1 0-2 .9-2 2v16c0 1.1.9 2 2 2h12c1.1 0 2-.9 2-2V8l-6-6zm-1 7V3.5L18.5 9H13z",
    keyboard: "M20 5H4c-1.1 0-1.99.9-1.99 2L2 17c0 1.1.9 2 2 2h16c1.1 0 2-.9 2-2V7c0-1.1-.9-2-2-2zm-9 3h2v2h-2V8zm0 3h2v2h-2v-2zM8 8h2v2H8V8zm0 3h2v2H8v-2zm-1 2H5v-2h2v2zm0-3H5V8h2v2zm9 7H8v-2h8v2zm0-4h-2v-2h2v2zm0-3h-2V8h2v2zm3 3h-2v-2h2v2zm0-3h-2V8h2v2z",
    menu: "M3 18h18v-2H3v2zm0-5h18v-2H3v2zm0-7v2h18V6H3z",
    people: "M16 11c1.66 0 2.99-1.34 2.99-3S17.66 5 16 5c-1.66 0-3 1.34-3 3s1.34 3 3 3zm-8 0c1.66 0 2.99-1.34 2.99-3S9.66 5 8 5C6.34 5 5 6.34 5 8s1.34 3 3 3zm0 2c-2.33 0-7 1.17-7 3.5V19h14v-2.5c0-2.33-4.67-3.5-7-3.5zm8 0c-.29 0-.62.02-.97.05 1.16.84 1.97 1.97 1.97 3.45V19h6v-2.5c0-2.33-4.67-3.5-7-3.5z",
  };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function icon(name) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.classList.add("icon");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  function iconButton(name, label, className) {
    const button = el("button", "icon-button " + (className || ""));
    button.type = "button";
    button.title = label;
    button.setAttribute("aria-label", label);
    button.append(icon(name));
    return button;
  }

  function pageUrl(path, extra) {
    const params = new URLSearchParams();
    if (config.as) params.set("as", config.as);
    params.set("lang", config.lang);
    for (const [key, value] of Object.entries(extra || {})) params.set(key, value);
    return path + "?" + params.toString();
  }

  function otherLanguage() {
    return config.lang === "en" ? "zh_CN" : "en";
  }

  function languageLink(className) {
    // Each language is named in itself, so a person who cannot read the current one finds theirs.
    const link = el("a", className, config.lang === "en" ? "中文" : "English");
    link.title = T.language;
    const params = new URLSearchParams(location.search);
    params.set("lang", otherLanguage());
    link.href = "/?" + params.toString();
    return link;
  }

  // --- demo picker ------------------------------------------------------------------------------
  function showPicker() {
    document.body.classList.add("picking");
    const screen = el("div", "picker");
    const head = el("div", "picker-head");
    const logo = el("div", "avatar large bot-avatar", "调");
    head.append(logo, el("h1", "", T.title), el("p", "", T.subtitle));
    screen.append(head);
    const card = el("div", "picker-card");
    card.append(el("h2", "", T.picker_title));
    const list = el("ul", "people");
    for (const person of config.people) {
      const item = el("li");
      const link = el("a", "person");
      link.href = "/?" + new URLSearchParams({ as: person.key, lang: config.lang }).toString();
      link.dataset.key = person.key;
      const who = el("span", "who");
      who.append(el("strong", "", person.name), el("small", "", person.role + " · " + person.detail));
      link.append(el("span", "avatar role-" + person.key, person.name.slice(0, 1)), who);
      item.append(link);
      list.append(item);
    }
    card.append(list, el("p", "hint", T.picker_hint));
    screen.append(card, languageLink("language-link"));
    app.append(screen);
  }

  // --- chat -------------------------------------------------------------------------------------
  const views = new Map(); // message id -> view, in the order the server keeps them
  let more = false; // the server keeps older messages than those shown
  const rows = new Map(); // message id -> row element
  let keyboardHiddenFor = null; // id of a one-time keyboard already used
  let keyboardOpen = true;
  let socket = null;
  let attempts = 0;
  const outbox = [];

  const ui = {};

  function buildChat() {
    const header = el("header", "bar");
    const avatar = el("div", "avatar bot-avatar", "调");
    const titles = el("div", "titles");
    ui.title = el("div", "title", T.title);
    ui.status = el("div", "status", T.connecting);
    titles.append(ui.title, ui.status);
    header.append(avatar, titles);
    if (config.demo && config.me) {
      const me = el("div", "me");
      me.append(el("span", "me-name", config.me.name), el("span", "me-role", config.me.role));
      const switcher = el("a", "icon-button switch");
      switcher.href = "/?lang=" + encodeURIComponent(config.lang);
      switcher.title = T.switch;
      switcher.setAttribute("aria-label", T.switch);
      switcher.append(icon("people"));
      header.append(me, switcher);
    }
    if (config.staff) {
      // Staff sessions are short and end here too; the server forgets the session at once.
      const logout = el("button", "plain-button logout", T.logout);
      logout.type = "button";
      logout.addEventListener("click", signOut);
      header.append(logout);
    }
    header.append(languageLink("lang-toggle"));

    ui.banner = el("div", "banner", T.reconnecting);
    ui.banner.hidden = true;
    ui.messages = el("main", "messages");
    ui.messages.setAttribute("aria-live", "polite");
    ui.list = el("div", "list");
    ui.messages.append(ui.list);

    const composer = el("footer", "composer");
    ui.keyboard = el("div", "reply-keyboard");
    ui.keyboard.hidden = true;
    const row = el("div", "input-row");
    const menu = el("button", "menu-button");
    menu.type = "button";
    menu.append(icon("menu"), el("span", "", T.menu));
    menu.addEventListener("click", openCommands);
    const attach = iconButton("attach", T.attach, "attach");
    attach.addEventListener("click", openAttachments);
    ui.input = el("textarea", "input");
    ui.input.rows = 1;
    ui.input.placeholder = T.placeholder;
    ui.input.setAttribute("aria-label", T.placeholder);
    // No maxLength: the browser would cut a long paste without a word. Too long is said, and kept.
    ui.input.addEventListener("input", () => {
      growInput();
      noteLength();
    });
    ui.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendText();
      }
    });
    ui.keyboardToggle = iconButton("keyboard", T.keyboard, "keyboard-toggle");
    ui.keyboardToggle.hidden = true;
    ui.keyboardToggle.addEventListener("click", () => {
      keyboardOpen = !keyboardOpen;
      keyboardHiddenFor = null;
      drawKeyboard();
    });
    const send = iconButton("send", T.send, "send");
    send.addEventListener("click", sendText);
    row.append(menu, attach, ui.input, ui.keyboardToggle, send);
    ui.tooLong = el("div", "too-long");
    ui.tooLong.hidden = true;
    ui.tooLong.setAttribute("role", "status");
    composer.append(ui.keyboard, ui.tooLong, row);

    ui.sheet = el("div", "sheet-backdrop");
    ui.sheet.hidden = true;
    ui.sheet.addEventListener("click", (event) => {
      if (event.target === ui.sheet) closeSheet();
    });
    ui.toast = el("div", "toast");
    ui.toast.hidden = true;
    ui.toast.setAttribute("role", "status");

    ui.photoInput = fileInput("image/*", "photo");
    ui.documentInput = fileInput("", "document");

    app.append(header, ui.banner, ui.messages, composer, ui.sheet, ui.toast, ui.photoInput, ui.documentInput);
    if (config.notice && T[config.notice]) showToast(T[config.notice], true);
    // A recovery or sign-in code has done its work: it does not stay in the address bar or the history.
    if (new URLSearchParams(location.search).has("code")) history.replaceState(null, "", pageUrl("/"));
    document.addEventListener("visibilitychange", reportSeen);
    connect();
  }

  function signOut() {
    send({ type: "text", text: "/logout" }); // (inside buildChat, `send` is the send button)
  }

  // What a visible page has shown, so a notice the person saw is not announced again by SMS.
  let seenUpTo = 0;
  function reportSeen() {
    if (document.visibilityState !== "visible") return;
    let newest = 0;
    for (const id of views.keys()) if (id > newest) newest = id;
    if (newest > seenUpTo && socket && socket.readyState === WebSocket.OPEN) {
      seenUpTo = newest;
      send({ type: "seen", message_id: newest });
    }
  }

  function characters(text) {
    return [...text].length; // as the server counts them: code points, not UTF-16 units
  }

  function noteLength() {
    const count = characters(ui.input.value.trim());
    ui.tooLong.hidden = count <= config.messageLimit;
    if (!ui.tooLong.hidden) {
      ui.tooLong.textContent = T.too_long.replace("{count}", String(count)).replace("{limit}", String(config.messageLimit));
    }
    return ui.tooLong.hidden;
  }

  function growInput() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight, 140) + "px";
  }

  // --- the socket -------------------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let opened = false;
    socket = new WebSocket(scheme + location.host + pageUrl("/socket"));
    socket.addEventListener("open", () => {
      opened = true;
      attempts = 0;
      ui.status.textContent = T.online;
      ui.banner.hidden = true;
      document.body.classList.add("connected");
      while (outbox.length && socket.readyState === WebSocket.OPEN) socket.send(outbox.shift());
    });
    socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      document.body.classList.remove("connected");
      ui.status.textContent = T.connecting;
      ui.banner.hidden = false;
      attempts += 1;
      // Refused before opening: the visitor cookie may be stale (a restart with a new key); the page
      // request renews it.
      const renew = opened ? Promise.resolve() : fetch(location.pathname + location.search, { credentials: "same-origin" }).catch(() => {});
      renew.then(() => setTimeout(connect, Math.min(10000, 400 * 2 ** Math.min(attempts, 5))));
    });
  }

  function send(action) {
    const frame = JSON.stringify(action);
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(frame);
    else outbox.push(frame); // kept until the connection is back
  }

  function receive(event) {
    if (event.type === "history") {
      views.clear();
      for (const view of event.messages) views.set(view.id, view);
      more = Boolean(event.more);
      drawAll();
    } else if (event.type === "older") {
      for (const view of event.messages) if (!views.has(view.id)) views.set(view.id, view);
      more = Boolean(event.more);
      drawAll(true);
    } else if (event.type === "message" || event.type === "edit") {
      const isNew = !views.has(event.message.id);
      views.set(event.message.id, event.message);
      if (isNew && isNewest(event.message.id)) appendRow(event.message, true);
      else if (isNew) drawAll();
      else replaceRow(event.message);
      drawKeyboard();
    } else if (event.type === "delete") {
      views.delete(event.message_id);
      drawAll();
    } else if (event.type === "toast" || event.type === "error") {
      showToast(event.text, event.alert || event.type === "error");
    } else if (event.type === "signed_out") {
      location.replace(pageUrl("/")); // the page the server gives a browser that is no longer signed in
      return;
    }
    reportSeen();
  }

  function isNewest(id) {
    for (const other of views.keys()) if (other > id) return false;
    return true;
  }

  // --- drawing messages -------------------------------------------------------------------------
  function nearBottom() {
    const box = ui.messages;
    return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  }

  function scrollToEnd() {
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function dayOf(view) {
    return new Date(view.date * 1000).toDateString();
  }

  function drawAll(keepPlace) {
    const fromBottom = ui.messages.scrollHeight - ui.messages.scrollTop;
    ui.list.replaceChildren();
    rows.clear();
    const ordered = [...views.values()].sort((a, b) => a.id - b.id);
    if (more && ordered.length) ui.list.append(earlierButton(ordered[0].id));
    if (!ordered.length && !more) ui.list.append(emptyChat());
    for (const view of ordered) appendRow(view, false);
    drawKeyboard();
    if (keepPlace) ui.messages.scrollTop = ui.messages.scrollHeight - fromBottom;
    else scrollToEnd();
  }

  function emptyChat() {
    // A new chat is not a blank screen: what the service does, and a Start button (as Telegram shows).
    const card = el("div", "empty-chat");
    card.append(el("div", "avatar large bot-avatar", "调"), el("h2", "", T.intro_title), el("p", "", T.intro));
    const start = el("button", "primary-button start", T.start);
    start.type = "button";
    start.addEventListener("click", () => send({ type: "text", text: "/start" }));
    // A worker on a new phone or browser: their cases come back with a code (SMS or the mediator's).
    const recover = el("button", "plain-button recover", T.recover);
    recover.type = "button";
    recover.addEventListener("click", () => send({ type: "text", text: "/recover" }));
    card.append(start, recover);
    return card;
  }

  function earlierButton(oldestId) {
    // Only the recent part of the chat comes on connecting; older pages on request.
    const button = el("button", "earlier", T.earlier);
    button.type = "button";
    button.addEventListener("click", () => {
      button.disabled = true;
      send({ type: "older", before: oldestId });
    });
    return button;
  }

  function appendRow(view, scroll) {
    const follow = !scroll || nearBottom() || view.mine;
    const empty = ui.list.querySelector(".empty-chat");
    if (empty) empty.remove();
    const last = ui.list.lastElementChild;
    if (!last || last.dataset.day !== dayOf(view)) {
      const chip = el("div", "day", new Date(view.date * 1000).toLocaleDateString(config.lang === "en" ? "en" : "zh-CN", { month: "long", day: "numeric" }));
      chip.dataset.day = dayOf(view);
      ui.list.append(chip);
    }
    const row = drawRow(view);
    rows.set(view.id, row);
    ui.list.append(row);
    if (follow) scrollToEnd();
  }

  function replaceRow(view) {
    const old = rows.get(view.id);
    if (!old) return drawAll();
    const row = drawRow(view);
    rows.set(view.id, row);
    old.replaceWith(row);
  }

  function drawRow(view) {
    const row = el("div", "row " + (view.mine ? "mine" : "theirs"));
    row.dataset.id = view.id;
    row.dataset.day = dayOf(view);
    const bubble = el("div", "bubble");
    if (view.photo) bubble.append(drawPhoto(view.photo));
    if (view.document) bubble.append(drawDocument(view.document));
    if (view.location) bubble.append(drawLocation(view.location));
    if (view.contact) bubble.append(drawContact(view.contact));
    const text = el("div", "text");
    drawRich(text, view.text && view.text.length ? view.text : view.caption || []);
    if (view.unsupported) text.append(el("em", "unsupported", T.unsupported));
    if (text.childNodes.length) bubble.append(text);
    if (view.photo && !text.childNodes.length) bubble.classList.add("media-only");
    const meta = el("span", "meta");
    if (view.edited) meta.append(el("span", "edited", T.edited));
    meta.append(el("time", "", new Date(view.date * 1000).toLocaleTimeString(config.lang === "en" ? "en-GB" : "zh-CN", { hour: "2-digit", minute: "2-digit" })));
    bubble.append(meta);
    row.append(bubble);
    if (view.buttons && view.buttons.length) row.append(drawInlineKeyboard(view));
    return row;
  }

  const RICH_TAGS = { b: "strong", i: "em", u: "u", s: "s", code: "code", pre: "pre", blockquote: "blockquote", spoiler: "span", a: "a", plain: "span" };

  function drawRich(parent, nodes) {
    for (const node of nodes) {
      if (typeof node === "string") {
        parent.append(document.createTextNode(node));
        continue;
      }
      const tag = RICH_TAGS[node.kind] || "span";
      const child = el(tag);
      if (node.kind === "a") {
        if (typeof node.href === "string" && /^https?:\/\//i.test(node.href)) {
          child.href = node.href;
          child.target = "_blank";
          child.rel = "noopener noreferrer";
        }
      } else if (node.kind === "spoiler") {
        child.className = "spoiler";
        child.title = T.spoiler;
        child.addEventListener("click", () => child.classList.add("revealed"));
      }
      drawRich(child, node.children || []);
      parent.append(child);
    }
  }

  function drawPhoto(photo) {
    const link = el("a", "photo");
    link.href = photo.url;
    link.target = "_blank";
    link.rel = "noopener";
    const image = el("img");
    image.src = photo.url;
    image.alt = T.photo;
    image.loading = "lazy";
    if (photo.width && photo.height) {
      image.width = photo.width;
      image.height = photo.height;
    }
    link.append(image);
    return link;
  }

  function fileSize(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " B";
  }

  function drawDocument(documentView) {
    const link = el("a", "attachment");
    link.href = documentView.url;
    link.download = documentView.name;
    link.title = T.download;
    const badge = el("span", "attachment-icon");
    badge.append(icon("document"));
    const about = el("span", "attachment-about");
    about.append(el("strong", "", documentView.name), el("small", "", fileSize(documentView.size)));
    link.append(badge, about);
    return link;
  }

  function drawLocation(place) {
    const card = el("a", "attachment place");
    // Amap takes WGS-84 points when told so, and is reachable in China.
    card.href = "https://uri.amap.com/marker?coordinate=wgs84&position=" + place.longitude + "," + place.latitude;
    card.target = "_blank";
    card.rel = "noopener noreferrer";
    const badge = el("span", "attachment-icon pin");
    badge.append(icon("location"));
    const about = el("span", "attachment-about");
    about.append(el("strong", "", T.location), el("small", "", place.latitude.toFixed(5) + ", " + place.longitude.toFixed(5)));
    card.append(badge, about);
    return card;
  }

  function drawContact(contact) {
    const card = el("div", "attachment");
    const badge = el("span", "attachment-icon person");
    badge.append(icon("contact"));
    const about = el("span", "attachment-about");
    about.append(el("strong", "", contact.name), el("small", "", contact.phone));
    card.append(badge, about);
    return card;
  }

  function drawInlineKeyboard(view) {
    const keyboard = el("div", "inline-keyboard");
    for (const buttons of view.buttons) {
      const line = el("div", "inline-row");
      for (const button of buttons) {
        let node;
        if (button.url && /^https?:\/\//i.test(button.url)) {
          node = el("a", "inline-button link", button.text);
          node.href = button.url;
          node.target = "_blank";
          node.rel = "noopener noreferrer";
        } else {
          node = el("button", "inline-button", button.text);
          node.type = "button";
          if (button.data === undefined) node.disabled = true;
          node.addEventListener("click", () => {
            node.classList.add("pressed");
            setTimeout(() => node.classList.remove("pressed"), 1500);
            send({ type: "press", message_id: view.id, data: button.data });
          });
        }
        line.append(node);
      }
      keyboard.append(line);
    }
    return keyboard;
  }

  // --- the reply keyboard -----------------------------------------------------------------------
  function currentKeyboard() {
    const ordered = [...views.values()].filter((view) => !view.mine).sort((a, b) => b.id - a.id);
    for (const view of ordered) {
      if (view.keyboard) return { id: view.id, ...view.keyboard };
      if (view.remove_keyboard) return null;
    }
    return null;
  }

  function drawKeyboard() {
    const keyboard = currentKeyboard();
    ui.keyboard.replaceChildren();
    ui.keyboardToggle.hidden = !keyboard;
    const shown = keyboard && keyboardOpen && keyboardHiddenFor !== keyboard.id;
    ui.keyboard.hidden = !shown;
    ui.input.placeholder = (keyboard && keyboard.placeholder) || T.placeholder;
    if (!shown) return;
    for (const buttons of keyboard.rows) {
      const line = el("div", "keyboard-row");
      for (const button of buttons) {
        const node = el("button", "keyboard-button", button.text);
        node.type = "button";
        node.addEventListener("click", () => {
          if (keyboard.one_time) keyboardHiddenFor = keyboard.id;
          if (button.request === "contact") openContact();
          else if (button.request === "location") openLocation();
          else send({ type: "text", text: button.text });
          drawKeyboard();
        });
        line.append(node);
      }
      ui.keyboard.append(line);
    }
  }

  // --- composing --------------------------------------------------------------------------------
  function sendText() {
    const text = ui.input.value.trim();
    if (!text) return;
    if (!noteLength()) {
      ui.input.focus();
      return; // kept as typed, with the note saying what to do
    }
    send({ type: "text", text });
    ui.input.value = "";
    growInput();
    noteLength();
    ui.input.focus();
  }

  function showToast(text, long) {
    ui.toast.textContent = text;
    ui.toast.hidden = false;
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(() => { ui.toast.hidden = true; }, long ? 5000 : 2500);
  }

  function openSheet(title, ...content) {
    const sheet = el("div", "sheet");
    sheet.setAttribute("role", "dialog");
    sheet.append(el("div", "grip"), el("h3", "", title), ...content);
    ui.sheet.replaceChildren(sheet);
    ui.sheet.hidden = false;
    const first = sheet.querySelector("input, button");
    if (first) first.focus();
  }

  function closeSheet() {
    ui.sheet.hidden = true;
    ui.sheet.replaceChildren();
  }

  function sheetActions(primaryLabel) {
    const actions = el("div", "sheet-actions");
    const cancel = el("button", "plain-button", T.cancel);
    cancel.type = "button";
    cancel.addEventListener("click", closeSheet);
    const primary = el("button", "primary-button", primaryLabel);
    primary.type = "submit";
    actions.append(cancel, primary);
    return actions;
  }

  function openCommands() {
    const list = el("div", "sheet-list");
    for (const command of config.commands) {
      const item = el("button", "sheet-item command");
      item.type = "button";
      item.append(el("span", "command-name", "/" + command.command), el("span", "command-about", command.description));
      item.addEventListener("click", () => {
        closeSheet();
        send({ type: "text", text: "/" + command.command });
      });
      list.append(item);
    }
    openSheet(T.menu, list);
  }

  function openAttachments() {
    const grid = el("div", "attach-grid");
    const choices = [
      ["photo", T.photo, () => ui.photoInput.click()],
      ["document", T.document, () => ui.documentInput.click()],
      ["location", T.location, openLocation],
      ["contact", T.contact, openContact],
    ];
    for (const [name, label, action] of choices) {
      const choice = el("button", "attach-choice " + name);
      choice.type = "button";
      const round = el("span", "round");
      round.append(icon(name));
      choice.append(round, el("span", "", label));
      choice.addEventListener("click", () => {
        closeSheet();
        action();
      });
      grid.append(choice);
    }
    openSheet(T.attach, grid);
  }

  function field(labelText, input) {
    const label = el("label", "field");
    label.append(el("span", "", labelText), input);
    return label;
  }

  function openLocation() {
    const list = el("div", "sheet-list");
    for (const place of config.places) {
      const item = el("button", "sheet-item place-item");
      item.type = "button";
      const pin = el("span", "round location");
      pin.append(icon("location"));
      const about = el("span", "about");
      about.append(el("strong", "", place.name), el("small", "", place.latitude.toFixed(4) + ", " + place.longitude.toFixed(4)));
      item.append(pin, about);
      item.addEventListener("click", () => {
        closeSheet();
        send({ type: "location", latitude: place.latitude, longitude: place.longitude });
      });
      list.append(item);
    }
    const form = el("form", "coordinates");
    const latitude = numberInput("latitude", -90, 90);
    const longitude = numberInput("longitude", -180, 180);
    const pair = el("div", "pair");
    pair.append(field(T.latitude, latitude), field(T.longitude, longitude));
    const actions = sheetActions(T.share);
    const error = el("p", "form-error");
    form.append(el("p", "hint", T.coordinates_hint), pair, error, actions);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const lat = Number(latitude.value), lon = Number(longitude.value);
      if (latitude.value === "" || longitude.value === "" || !(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) {
        error.textContent = T.bad_coordinates;
        return;
      }
      closeSheet();
      send({ type: "location", latitude: lat, longitude: lon });
    });
    openSheet(T.location, list, form);
  }

  function numberInput(name, min, max) {
    const input = el("input");
    input.type = "number";
    input.name = name;
    input.step = "any";
    input.min = String(min);
    input.max = String(max);
    input.inputMode = "decimal";
    return input;
  }

  function openContact() {
    const form = el("form", "contact-form");
    const phone = el("input");
    phone.type = "tel";
    phone.name = "phone";
    phone.autocomplete = "tel";
    phone.maxLength = 32;
    const name = el("input");
    name.type = "text";
    name.name = "name";
    name.autocomplete = "name";
    name.maxLength = 64;
    if (config.me) name.value = config.me.name;
    const error = el("p", "form-error");
    const actions = sheetActions(T.share);
    form.append(field(T.phone, phone), field(T.name, name), error, actions);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!/^\+?[0-9][0-9 ()-]{3,30}$/.test(phone.value.trim())) {
        error.textContent = T.bad_phone;
        return;
      }
      closeSheet();
      send({ type: "contact", phone_number: phone.value.trim(), first_name: name.value.trim() });
    });
    openSheet(T.contact, form);
  }

  function fileInput(accept, kind) {
    const input = el("input", "file-input");
    input.type = "file";
    if (accept) input.accept = accept;
    input.hidden = true;
    input.dataset.kind = kind;
    input.addEventListener("change", () => {
      const chosen = input.files && input.files[0];
      input.value = "";
      if (chosen) upload(chosen, kind);
    });
    return input;
  }

  function upload(chosen, kind) {
    if (chosen.size > config.fileLimit) {
      showToast(T.too_large, true);
      return;
    }
    const form = new FormData();
    form.append("kind", kind);
    const caption = ui.input.value.trim();
    if (caption) form.append("caption", caption);
    form.append("file", chosen, chosen.name);
    fetch(pageUrl("/upload"), { method: "POST", body: form, credentials: "same-origin" })
      .then((response) => {
        if (response.status === 429) {
          showToast(T.busy, true);
          return;
        }
        if (!response.ok) throw new Error(String(response.status));
        if (caption) {
          ui.input.value = "";
          growInput();
          noteLength();
        }
      })
      .catch(() => showToast(T.upload_failed, true));
  }

  if (config.demo && !config.me) showPicker();
  else buildChat();
})();
