// A link's theme=light|dark (embeds), applied before the first paint so a
// dark frame never flashes white; the app keeps it (src/link.rs reads it).
// A classic script of its own, not inline: the content security policy
// allows scripts from this origin only (scripts/headers.mjs).
(() => {
  const theme = new URLSearchParams(location.search).get('theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
})();
