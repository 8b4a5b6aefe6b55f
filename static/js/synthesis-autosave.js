// The synthesis workspace saves each text as the person types (a second and a half after the
// last key), through the same route as a plain form, with the page's CSRF token. The status
// line says when it was saved (Paris time, from the server); leaving the page while a text is
// not saved asks first. A text a colleague saved meanwhile is not overwritten: both versions
// are shown, and « Enregistrer » (the whole form) then saves the person's text knowingly.
const form = document.querySelector("form[data-autosave]");
if (form) {
  const url = form.dataset.autosave;
  const status = document.getElementById("etat-enregistrement");
  const token = form.querySelector("input[name=csrf_token]").value;
  const DELAY_MS = 1500;
  const timers = new Map();
  const dirty = new Set(); // keys whose text differs from what the server has
  const paused = new Set(); // keys in conflict: saved by « Enregistrer » only
  const running = new Map(); // key -> the text being sent
  let submitting = false;

  const hidden = (kind, key) => form.querySelector(`[data-${kind}-for="${key}"]`);
  const say = (text) => {
    status.textContent = text;
  };

  const showConflict = (key, answer, yours) => {
    const box = hidden("conflict", key);
    box.querySelector("[data-conflict-message]").textContent = answer.message;
    box.querySelector("[data-conflict-editor]").textContent = answer.editor;
    box.querySelector("[data-conflict-theirs]").textContent = answer.theirs;
    box.querySelector("[data-conflict-yours]").textContent = yours;
    box.hidden = false;
  };

  const save = async (key) => {
    timers.delete(key);
    if (paused.has(key) || running.has(key) || submitting) {
      return;
    }
    const field = document.getElementById(`texte-${key}`);
    const text = field.value;
    const body = new FormData();
    body.append("csrf_token", token);
    body.append("challenge_id", key);
    body.append("text", text);
    body.append("version", hidden("version", key).value);
    body.append("base", hidden("base", key).value);
    running.set(key, text);
    say("Enregistrement…");
    try {
      const response = await fetch(url, {
        method: "POST", body, credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const answer = response.headers.get("Content-Type")?.includes("json")
        ? await response.json() : null;
      if (answer?.status === "saved") {
        hidden("version", key).value = answer.version;
        hidden("base", key).value = answer.base;
        if (field.value === text) {
          dirty.delete(key);
        }
        say(answer.saved_at ? `Enregistré à ${answer.saved_at}` : "Aucune modification à enregistrer");
      } else if (answer?.status === "conflict") {
        // « Enregistrer » will be based on their version: the person has seen it.
        hidden("version", key).value = answer.version;
        hidden("base", key).value = answer.base;
        paused.add(key);
        showConflict(key, answer, text);
        say("Non enregistré : un autre texte a été enregistré entre-temps (les deux versions sont affichées).");
      } else {
        say(answer?.message || "Non enregistré : la page a peut-être expiré. Cliquez sur « Enregistrer » : vos textes seront gardés.");
      }
    } catch (error) {
      say("Non enregistré : la connexion est interrompue. Vos textes restent dans la page ; réessayez avec « Enregistrer ».");
    } finally {
      running.delete(key);
    }
    if (dirty.has(key) && field.value !== text && !paused.has(key)) {
      schedule(key); // typed again while it was being sent
    }
  };

  const schedule = (key) => {
    window.clearTimeout(timers.get(key));
    timers.set(key, window.setTimeout(() => save(key), DELAY_MS));
  };

  form.querySelectorAll("textarea[data-text-key]").forEach((field) => {
    field.addEventListener("input", () => {
      const key = field.dataset.textKey;
      dirty.add(key);
      if (!paused.has(key)) {
        say("Modifications non enregistrées…");
        schedule(key);
      }
    });
  });

  // Any button of the form sends every text: the server saves them before acting.
  form.addEventListener("submit", () => {
    submitting = true;
    timers.forEach((timer) => window.clearTimeout(timer));
  });

  window.addEventListener("beforeunload", (event) => {
    if (!submitting && (dirty.size > 0 || running.size > 0)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  say("Vos textes s’enregistrent automatiquement pendant la saisie.");
}
