// Warns a signed-in user two minutes before the server ends an idle session, and lets
// them stay signed in. Written here because neither govuk-frontend nor any package we use
// has a session-timeout warning; pages work the same without it (the server decides).
const root = document.querySelector("[data-idle-seconds]");
if (root) {
  const idle = Number(root.dataset.idleSeconds) * 1000;
  const warnBefore = 2 * 60 * 1000;
  const banner = document.getElementById("timeout-warning");
  const stay = document.getElementById("timeout-stay");
  let warnTimer = 0;
  let endTimer = 0;
  const arm = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    banner.hidden = true;
    warnTimer = setTimeout(() => {
      banner.hidden = false;
      stay.focus();
    }, Math.max(0, idle - warnBefore));
    endTimer = setTimeout(() => {
      window.location.assign(root.dataset.signIn);
    }, idle);
  };
  stay.addEventListener("click", async () => {
    const response = await fetch(root.dataset.keepAlive, {
      method: "POST",
      headers: { "X-CSRFToken": root.dataset.csrf },
      credentials: "same-origin",
    });
    if (response.ok) {
      arm();
    } else {
      window.location.assign(root.dataset.signIn);
    }
  });
  arm();
}
