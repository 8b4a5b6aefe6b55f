// A field that applies to some answers only (« Type de structure » for the professionals of
// health) is hidden while another answer is chosen. Marked in the page:
//   data-depends-on="<id of the select>" data-shown-for="<values, space separated>".
// Without JavaScript the field stays visible with its hint, and the server ignores it when it
// does not apply.
document.querySelectorAll("[data-depends-on][data-shown-for]").forEach((block) => {
  const control = document.getElementById(block.dataset.dependsOn);
  if (!control) {
    return;
  }
  const values = block.dataset.shownFor.split(" ").filter(Boolean);
  const update = () => {
    block.hidden = !values.includes(control.value);
  };
  control.addEventListener("change", update);
  update();
});
