// Placeholder for the dashboard bundle: `npm run build` in web/ replaces web/dist.
// The server embeds whatever web/dist holds; this file only gives its tests an asset.
const root = document.getElementById("root");
if (root) {
  const heading = document.createElement("h1");
  heading.textContent = "Glidepath";
  const text = document.createElement("p");
  text.textContent =
    "The dashboard has not been built into this server. Run npm ci && npm run build in web/, " +
    "then rebuild the server; the API is at /openapi.json.";
  root.replaceChildren(heading, text);
}
// 000: padding so the asset is large enough to be served compressed.
// 001: padding so the asset is large enough to be served compressed.
// 002: padding so the asset is large enough to be served compressed.
// 003: padding so the asset is large enough to be served compressed.
// 004: padding so the asset is large enough to be served compressed.
// 005: padding so the asset is large enough to be served compressed.
// 006: padding so the asset is large enough to be served compressed.
// 007: padding so the asset is large enough to be served compressed.
// 008: padding so the asset is large enough to be served compressed.
// 009: padding so the asset is large enough to be served compressed.
// 010: padding so the asset is large enough to be served compressed.
// 011: padding so the asset is large enough to be served compressed.
// 012: padding so the asset is large enough to be served compressed.
// 013: padding so the asset is large enough to be served compressed.
// 014: padding so the asset is large enough to be served compressed.
// 015: padding so the asset is large enough to be served compressed.
