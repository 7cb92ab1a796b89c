// Tributary console: the one client script (served by the Worker from /console/assets; the CSP allows
// no inline script). Progressive enhancement only: every page works without it.
(() => {
  // <time datetime="ISO" title="UTC ..."> → the operator's own time zone; UTC stays on hover.
  const localTimes = () => {
    for (const el of document.querySelectorAll("time[data-local]")) {
      const d = new Date(el.getAttribute("datetime"));
      if (Number.isNaN(d.getTime())) continue;
      el.textContent = d.toLocaleString(undefined, {
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        timeZoneName: "short",
      });
    }
  };

  // <button data-copy="text"> copies its text; the status is announced through an aria-live region.
  const copyButtons = () => {
    for (const button of document.querySelectorAll("button[data-copy]")) {
      button.hidden = false;
      button.addEventListener("click", async () => {
        const status = button.parentElement?.querySelector("[data-copy-status]");
        try {
          await navigator.clipboard.writeText(button.getAttribute("data-copy") ?? "");
          if (status) status.textContent = "Copied";
        } catch {
          if (status) status.textContent = "Copy failed: select the text instead";
        }
        if (status) setTimeout(() => (status.textContent = ""), 2500);
      });
    }
  };

  // <form data-confirm-text="exact words">: the submit button stays disabled until the field named
  // "confirm" holds exactly those words. The server checks the same field again.
  const typedConfirmations = () => {
    for (const form of document.querySelectorAll("form[data-confirm-text]")) {
      const expected = form.getAttribute("data-confirm-text");
      const input = form.querySelector('input[name="confirm"]');
      const submit = form.querySelector('button[type="submit"]');
      if (!input || !submit) continue;
      const update = () => {
        submit.disabled = input.value !== expected;
      };
      input.addEventListener("input", update);
      update();
    }
  };

  // <div data-refresh="5">: a long action's progress page reloads itself every 5 s while it is open
  // and visible; leaving and coming back later simply shows the current state.
  const autoRefresh = () => {
    const el = document.querySelector("[data-refresh]");
    if (!el) return;
    const seconds = Math.max(2, Number(el.getAttribute("data-refresh")) || 5);
    setTimeout(function tick() {
      if (document.visibilityState === "visible") window.location.reload();
      else setTimeout(tick, seconds * 1000);
    }, seconds * 1000);
  };

  const start = () => {
    localTimes();
    copyButtons();
    typedConfirmations();
    autoRefresh();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
