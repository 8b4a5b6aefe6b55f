// Ctrl+Enter (or Cmd+Enter) in a form marked data-submit-shortcut submits it: facilitators
// type one contribution after another without leaving the keyboard.
document.querySelectorAll("form[data-submit-shortcut]").forEach((form) => {
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
});
