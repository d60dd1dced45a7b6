// vlm4j web chat: plain JavaScript, no dependencies. Talks to /v1/chat/completions with streaming.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const messagesEl = $('messages'), input = $('input'), form = $('composer'), previews = $('previews');
  const sendBtn = $('send'), stopBtn = $('stop'), speedEl = $('speed');
  const settings = { system: $('system'), temperature: $('temperature'), maxTokens: $('max-tokens'), apiKey: $('api-key') };
  let history = [];       // OpenAI messages of this chat
  let pending = [];       // data: URLs of images attached to the next message
  let controller = null;  // AbortController of the running request

  settings.apiKey.value = localStorage.getItem('vlm4j.apiKey') || '';
  settings.apiKey.addEventListener('change', () => localStorage.setItem('vlm4j.apiKey', settings.apiKey.value));

  function headers() {
    const h = { 'Content-Type': 'application/json' };
    if (settings.apiKey.value) h.Authorization = 'Bearer ' + settings.apiKey.value;
    return h;
  }

  fetch('v1/models', { headers: headers() }).then((r) => r.json()).then((j) => {
    if (j.data && j.data[0]) $('model').textContent = j.data[0].id;
  }).catch(() => {});

  // ---- Markdown: escape everything first, then a small safe subset ----
  function escapeHtml(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }

  function inline(s) {
    const codes = [];
    s = s.replace(/`([^`\n]+)`/g, (m, c) => { codes.push('<code>' + c + '</code>'); return '\u0000' + (codes.length - 1) + '\u0000'; });
    s = s.replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g,
      (m, text, url) => '<a href="' + url + '" target="_blank" rel="noopener noreferrer">' + text + '</a>');
    s = s.replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>');
    s = s.replace(/(^|[^*\w])\*([^*\n]+)\*(?!\w)/g, '$1<em>$2</em>');
    s = s.replace(/(^|[^_\w])_([^_\n]+)_(?!\w)/g, '$1<em>$2</em>');
    return s.replace(/\u0000(\d+)\u0000/g, (m, i) => codes[+i]);
  }

  function renderMarkdown(src) {
    const out = [];
    const parts = escapeHtml(src).split(/```/);
    parts.forEach((part, i) => {
      if (i % 2 === 1) { // inside a fenced code block (an unclosed fence runs to the end)
        const nl = part.indexOf('\n');
        const body = nl >= 0 && /^[\w+-]*$/.test(part.slice(0, nl)) ? part.slice(nl + 1) : part;
        out.push('<pre><code>' + body.replace(/\n$/, '') + '</code></pre>');
        return;
      }
      let list = null;
      const lines = part.split('\n');
      lines.forEach((line, k) => {
        const ul = /^\s*[-*+]\s+(.*)$/.exec(line), ol = /^\s*\d+[.)]\s+(.*)$/.exec(line);
        const kind = ul ? 'ul' : ol ? 'ol' : null;
        if (list && kind !== list) { out.push('</' + list + '>'); list = null; }
        if (kind) {
          if (!list) { out.push('<' + kind + '>'); list = kind; }
          out.push('<li>' + inline((ul || ol)[1]) + '</li>');
        } else {
          out.push(inline(line) + (k < lines.length - 1 ? '<br>' : ''));
        }
      });
      if (list) out.push('</' + list + '>');
    });
    return out.join('');
  }

  // ---- images: picker, paste, drag and drop ----
  function addFiles(files) {
    for (const f of files) {
      if (!f.type.startsWith('image/')) continue;
      const reader = new FileReader();
      reader.onload = () => { pending.push(reader.result); showPreviews(); };
      reader.readAsDataURL(f);
    }
  }

  function showPreviews() {
    previews.textContent = '';
    pending.forEach((url, i) => {
      const box = document.createElement('div');
      box.className = 'preview';
      const img = document.createElement('img');
      img.src = url;
      img.alt = 'attached image ' + (i + 1);
      const rm = document.createElement('button');
      rm.type = 'button';
      rm.textContent = '\u00d7';
      rm.title = 'Remove';
      rm.onclick = () => { pending.splice(i, 1); showPreviews(); };
      box.append(img, rm);
      previews.append(box);
    });
  }

  $('file').addEventListener('change', (e) => { addFiles(e.target.files); e.target.value = ''; });
  document.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData ? e.clipboardData.files : [])];
    if (files.length) { e.preventDefault(); addFiles(files); }
  });
  ['dragenter', 'dragover'].forEach((t) => document.addEventListener(t, (e) => { e.preventDefault(); form.classList.add('dragging'); }));
  ['dragleave', 'drop'].forEach((t) => document.addEventListener(t, (e) => { e.preventDefault(); form.classList.remove('dragging'); }));
  document.addEventListener('drop', (e) => { if (e.dataTransfer) addFiles(e.dataTransfer.files); });

  // ---- chat ----
  function bubble(role, text, images) {
    const el = document.createElement('div');
    el.className = 'msg ' + role;
    (images || []).forEach((url) => { const img = document.createElement('img'); img.src = url; img.alt = 'image'; el.append(img); });
    const t = document.createElement('div');
    t.className = 'text';
    if (role === 'assistant') t.innerHTML = renderMarkdown(text); else t.textContent = text;
    el.append(t);
    messagesEl.append(el);
    messagesEl.scrollTop = messagesEl.scrollHeight;
    return t;
  }

  function busy(on) {
    sendBtn.hidden = on;
    stopBtn.hidden = !on;
  }

  async function send() {
    const text = input.value;
    if (!text.trim() && !pending.length) return;
    const content = pending.map((url) => ({ type: 'image_url', image_url: { url } }));
    content.push({ type: 'text', text });
    const sentImages = pending;
    const userBox = bubble('user', text, pending).parentElement;
    history.push({ role: 'user', content });
    input.value = '';
    pending = [];
    showPreviews();
    const out = bubble('assistant', '');
    const box = out.parentElement;
    const messages = settings.system.value.trim() ? [{ role: 'system', content: settings.system.value }].concat(history) : history;
    const body = {
      messages, stream: true, stream_options: { include_usage: true },
      temperature: Number(settings.temperature.value), max_tokens: Number(settings.maxTokens.value) || undefined,
    };
    controller = new AbortController();
    busy(true);
    let answer = '', tokens = 0, refused = false;
    const started = performance.now();
    let firstAt = 0;
    try {
      const res = await fetch('v1/chat/completions', { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: controller.signal });
      if (!res.ok) {
        let msg = res.status + ' ' + res.statusText;
        try { msg = (await res.json()).error.message; } catch (e) { /* keep status */ }
        throw new Error(msg);
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let sep;
        while ((sep = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, sep);
          buf = buf.slice(sep + 2);
          if (!event.startsWith('data: ')) continue;
          const data = event.slice(6);
          if (data === '[DONE]') continue;
          const chunk = JSON.parse(data);
          if (chunk.error) throw new Error(chunk.error.message);
          if (chunk.usage) {
            tokens = chunk.usage.completion_tokens;
            const tps = chunk.timings && chunk.timings.predicted_per_second;
            speedEl.textContent = tokens + ' tokens, ' + (tps ? tps.toFixed(1) : '?') + ' tok/s';
          }
          const c = chunk.choices && chunk.choices[0];
          if (c && c.delta && c.delta.content) {
            if (!firstAt) firstAt = performance.now();
            answer += c.delta.content;
            tokens++;
            out.innerHTML = renderMarkdown(answer);
            const secs = (performance.now() - firstAt) / 1000;
            if (secs > 0.2) speedEl.textContent = (tokens / secs).toFixed(1) + ' tok/s';
            messagesEl.scrollTop = messagesEl.scrollHeight;
          }
        }
      }
      box.dataset.done = 'true';
    } catch (e) {
      if (e.name === 'AbortError') {
        box.dataset.done = 'stopped';
      } else {
        box.classList.add('error');
        box.dataset.done = 'error';
        if (answer) {
          out.textContent = answer + '\n\nError: ' + e.message;
        } else {
          // refused before any answer (e.g. a bad image): the message leaves the chat, so that the
          // next one is not refused for it too, and comes back into the input to be fixed
          refused = true;
          out.textContent = 'Error: ' + e.message + ' (the message was not kept; it is back in the input)';
          userBox.classList.add('error');
          if (!input.value) input.value = text;
          pending = sentImages.concat(pending);
          showPreviews();
        }
      }
    } finally {
      controller = null;
      busy(false);
      if (refused) history.pop();
      else history.push({ role: 'assistant', content: answer });
      speedEl.title = 'total ' + ((performance.now() - started) / 1000).toFixed(1) + ' s';
    }
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); if (!controller) send(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); if (!controller) send(); }
  });
  stopBtn.addEventListener('click', () => { if (controller) controller.abort(); });
  $('new-chat').addEventListener('click', () => {
    if (controller) controller.abort();
    history = [];
    pending = [];
    showPreviews();
    messagesEl.textContent = '';
    speedEl.textContent = '';
  });

  window.vlm4j = { renderMarkdown, addFiles }; // for tests and the console
})();
