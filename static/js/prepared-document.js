// A document in preparation: ask its state every two seconds, reload the page once it is
// ready (or failed). While it is built, a page that has a [data-prepared-progress] block
// shows how far it is, when the state tells (« Étape 2 sur 4 : … »). Without JavaScript,
// « Actualiser » does the same.
const holder = document.querySelector("[data-prepared-state]");
if (holder) {
  const stateUrl = holder.dataset.preparedState;
  const progressBlock = holder.querySelector("[data-prepared-progress]");
  const showProgress = (progress) => {
    if (!progressBlock || !progress || !progress.total) {
      return;
    }
    const bar = progressBlock.querySelector("progress");
    const text = progressBlock.querySelector("[data-prepared-progress-text]");
    if (bar) {
      bar.max = progress.total;
      bar.value = progress.done;
      bar.textContent = `${progress.done} sur ${progress.total}`;
    }
    if (text && text.textContent !== progress.text) {
      text.textContent = progress.text;
    }
    progressBlock.hidden = false;
  };
  const check = async () => {
    try {
      const answer = await fetch(stateUrl, { headers: { Accept: "application/json" } });
      if (answer.ok) {
        const state = await answer.json();
        if (state.status !== "preparing") {
          window.location.reload();
          return;
        }
        showProgress(state.progress);
      }
    } catch (error) {
      // The network hiccuped: try again at the next beat.
    }
    window.setTimeout(check, 2000);
  };
  window.setTimeout(check, 1500);
}
