// A link's theme=light|dark (embeds), applied before the first paint so a
// dark frame never flashes white; the app keeps it (src/link.rs reads it).
// And what of the landing markup the page is sent with (scripts/assets.mjs:
// the masthead, then the lesson gallery) is this page's first view: all of
// it at a plain address; at a link or a lesson, the masthead alone (the app
// draws it there too, with the gallery folded and the experiment below);
// in an embed (`embed` on, as src/link.rs reads a flag), none.
// A classic script of its own, not inline: the content security policy
// allows scripts from this origin only (scripts/headers.mjs).
(() => {
  const query = new URLSearchParams(location.search);
  const theme = query.get('theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  if (location.search.length > 1) document.documentElement.dataset.link = '';
  if (['1', 'true', ''].includes(query.get('embed'))) document.documentElement.dataset.embed = '';
})();
