// The check-in desk (templates/registrations/check_in.html): search as one types, send the
// arrival / undo / code forms in place, follow the other desks' arrivals (a small JSON polled
// every few seconds), and read a confirmation's QR code with the phone's camera. Without this
// script every form still works as a plain GET or POST.
(() => {
  "use strict";
  const root = document.getElementById("accueil");
  if (!root) return;
  const HEADERS = { "X-Check-In-Desk": "1" };
  const POLL_MS = 2500;
  const search = root.querySelector("#q");
  const results = root.querySelector("#resultats");
  const arrival = root.querySelector("#arrivee");
  const codeForm = root.querySelector("[data-desk-code]");
  let searchTimer = null;
  let searchSeq = 0;
  let presentKey = null;

  // --- Search as one types --------------------------------------------------------------
  async function refreshResults() {
    const seq = ++searchSeq;
    const url = new URL(root.dataset.resultsUrl, location.href);
    url.searchParams.set("q", search.value);
    const response = await fetch(url, { headers: HEADERS, credentials: "same-origin" });
    if (!response.ok || seq !== searchSeq) return; // a later keystroke has its own answer
    results.innerHTML = await response.text();
  }

  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(refreshResults, 150);
  });
  search.form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    refreshResults();
  });

  // --- Forms sent in place -----------------------------------------------------------------
  async function send(form) {
    let response;
    try {
      response = await fetch(form.action, { method: "POST", body: new FormData(form),
                                            headers: HEADERS, credentials: "same-origin" });
    } catch (error) {
      form.submit(); // offline for a moment: the plain POST tells the person what happened
      return;
    }
    const fragment = (response.headers.get("Content-Type") || "").startsWith("text/html")
      && !response.redirected && (response.ok || response.status === 422);
    if (!fragment) { form.submit(); return; } // an expired token: the page explains
    arrival.innerHTML = await response.text();
    if (response.ok) {
      // Ready for the next person: empty search, the card above it says who just came.
      search.value = "";
      results.innerHTML = "";
    }
    arrival.scrollIntoView({ block: "nearest" });
    search.focus({ preventScroll: true });
    pollState();
  }

  root.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.closest("#resultats, #arrivee") || form === codeForm) {
      event.preventDefault();
      send(form);
    }
  });

  // --- The other desks' arrivals ---------------------------------------------------------
  function setText(selector, value) {
    root.querySelectorAll(selector).forEach((node) => { node.textContent = String(value); });
  }

  function showCounter(counter) {
    setText('[data-counter="label"]', counter.label);
    setText('[data-counter="walk_ins_label"]', counter.walk_ins_label);
    root.querySelectorAll("[data-counter-walk-ins]").forEach((node) => {
      node.hidden = counter.walk_ins === 0;
    });
    const body = root.querySelector("[data-counter-categories]");
    if (!body) return;
    body.replaceChildren(...counter.categories.map((line) => {
      const row = document.createElement("tr");
      const label = document.createElement("th");
      label.scope = "row";
      label.textContent = line.label;
      const figures = document.createElement("td");
      figures.textContent = `${line.present} / ${line.expected}`;
      const walkIns = document.createElement("td");
      walkIns.textContent = String(line.walk_ins);
      row.append(label, figures, walkIns);
      return row;
    }));
  }

  function showLatest(latest) {
    const list = root.querySelector("[data-desk-latest]");
    if (!list) return;
    const items = latest.map((person) => {
      const item = document.createElement("li");
      item.textContent = `${person.time} — ${person.name}${person.walk_in ? " (sur place)" : ""}`;
      return item;
    });
    if (!items.length) {
      const none = document.createElement("li");
      none.textContent = "Personne n’est encore arrivé.";
      items.push(none);
    }
    list.replaceChildren(...items);
  }

  async function pollState() {
    if (document.hidden) return;
    let state;
    try {
      const response = await fetch(root.dataset.stateUrl,
                                   { headers: HEADERS, credentials: "same-origin" });
      if (!response.ok) return;
      state = await response.json();
    } catch (error) {
      return; // the next poll tries again
    }
    showCounter(state.counter);
    showLatest(state.latest);
    const key = JSON.stringify(state.present);
    // Someone arrived or left at another desk: the cards on screen show it.
    if (presentKey !== null && key !== presentKey && search.value.trim()) refreshResults();
    presentKey = key;
  }

  setInterval(pollState, POLL_MS);
  document.addEventListener("visibilitychange", pollState);
  pollState();

  // --- The camera --------------------------------------------------------------------------
  const camera = root.querySelector("[data-desk-camera]");
  const scanButton = root.querySelector("[data-desk-scan]");
  const video = root.querySelector("[data-desk-video]");
  const status = root.querySelector("[data-desk-scan-status]");
  let stream = null;
  let decode = null;

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = root.dataset.jsqrUrl;
      script.onload = () => resolve(window.jsQR);
      script.onerror = reject;
      document.head.append(script);
    });
  }

  // The browser's own BarcodeDetector where it reads QR codes, else jsQR on the frames.
  async function decoder() {
    if ("BarcodeDetector" in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) {
          const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          camera.dataset.decoder = "BarcodeDetector";
          return async () => {
            const codes = await detector.detect(video);
            return codes.length ? codes[0].rawValue : null;
          };
        }
      } catch (error) { /* falls back on jsQR */ }
    }
    const jsQR = await loadJsQR();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    camera.dataset.decoder = "jsQR";
    return async () => {
      if (!video.videoWidth) return null;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" });
      return code ? code.data : null;
    };
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    video.srcObject = null;
    scanButton.setAttribute("aria-pressed", "false");
    scanButton.textContent = "Scanner avec l’appareil photo";
  }

  async function scanFrames() {
    if (!stream) return;
    let value = null;
    try { value = await decode(); } catch (error) { value = null; }
    if (value) {
      stopCamera();
      status.textContent = "Code lu.";
      codeForm.querySelector("[name=code]").value = value;
      send(codeForm);
      return;
    }
    setTimeout(scanFrames, 150);
  }

  async function startCamera() {
    try {
      stream = await navigator.mediaDevices.getUserMedia(
        { video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      status.textContent = "L’appareil photo n’est pas disponible : saisissez le code.";
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    decode = decode || await decoder();
    scanButton.setAttribute("aria-pressed", "true");
    scanButton.textContent = "Arrêter l’appareil photo";
    status.textContent = "Présentez le code QR de la confirmation devant l’appareil photo.";
    scanFrames();
  }

  if (camera && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    camera.hidden = false;
    scanButton.addEventListener("click", () => (stream ? stopCamera() : startCamera()));
  }
})();
