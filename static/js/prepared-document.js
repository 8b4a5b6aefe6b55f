// A document in preparation: ask its state every two seconds, reload the page once it is
// ready (or failed). Without JavaScript, « Actualiser » does the same.
const holder = document.querySelector("[data-prepared-state]");
if (holder) {
  const stateUrl = holder.dataset.preparedState;
  const check = async () => {
    try {
      const answer = await fetch(stateUrl, { headers: { Accept: "application/json" } });
      if (answer.ok && (await answer.json()).status !== "preparing") {
        window.location.reload();
        return;
      }
    } catch (error) {
      // The network hiccuped: try again at the next beat.
    }
    window.setTimeout(check, 2000);
  };
  window.setTimeout(check, 1500);
}
