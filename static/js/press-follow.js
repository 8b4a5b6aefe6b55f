// Press accreditation: in each démarche, « Toutes les étapes de cette démarche » checks all its
// steps, and unchecking one step unchecks « Toutes ». Without JavaScript the server applies the
// same rule: « Toutes » includes every step of the démarche, those programmed later too.
document.querySelectorAll("[data-follow-group]").forEach((group) => {
  const whole = group.querySelector("[data-follow-whole]");
  const steps = group.querySelectorAll("[data-follow-step]");
  if (!whole) {
    return;
  }
  whole.addEventListener("change", () => {
    steps.forEach((step) => {
      step.checked = whole.checked;
    });
  });
  steps.forEach((step) => {
    step.addEventListener("change", () => {
      if (!step.checked) {
        whole.checked = false;
      }
    });
  });
});
