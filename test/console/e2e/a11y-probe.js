/* biome-ignore-all lint/correctness/noUnusedVariables: the probes are called by name from page.evaluate */
// In-page probes of test/console/e2e/a11y.e2e.test.ts, run in the console page by page.evaluate (as
// text: the test's TypeScript has no DOM types, and a CSP-proof CDP evaluation needs no script tag).
// Plain browser JavaScript, no dependency. Each function returns JSON-able findings.

/** DOM-level text alternatives: every <img> has alt, every <svg> and <canvas> a name or aria-hidden. */
function missingAlternatives() {
  const out = [];
  for (const img of document.querySelectorAll("img"))
    if (!img.hasAttribute("alt")) out.push(img.outerHTML.slice(0, 120));
  for (const svg of document.querySelectorAll("svg")) {
    // Inside an image that is already named (or hidden), an svg is part of that image.
    if (
      svg.getAttribute("aria-hidden") === "true" ||
      svg.parentElement?.closest("[aria-hidden='true'], [role='img'][aria-label]")
    )
      continue;
    const named =
      svg.getAttribute("role") === "img" &&
      (svg.getAttribute("aria-label") || svg.getAttribute("aria-labelledby") || svg.querySelector("title"));
    if (!named) out.push(svg.outerHTML.slice(0, 120));
  }
  for (const canvas of document.querySelectorAll("canvas"))
    if (!canvas.closest("[role='img'][aria-label], [aria-hidden='true']"))
      out.push(canvas.outerHTML.slice(0, 120));
  return out;
}

function parseColour(c) {
  const m = c.match(/rgba?\(([^)]+)\)/);
  if (!m) return [0, 0, 0, 0];
  const p = m[1]
    .split(/[\s,/]+/)
    .filter(Boolean)
    .map(Number);
  return [p[0], p[1], p[2], p[3] ?? 1];
}

function over(top, bottom) {
  const a = top[3];
  return [
    top[0] * a + bottom[0] * (1 - a),
    top[1] * a + bottom[1] * (1 - a),
    top[2] * a + bottom[2] * (1 - a),
    1,
  ];
}

/** The effective background of `el`: the nearest opaque one up the tree, translucent layers blended over it. */
function effectiveBackground(el) {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const bg = parseColour(getComputedStyle(e).backgroundColor);
    if (bg[3] > 0) layers.push(bg);
    if (bg[3] >= 1) break;
  }
  let result = [255, 255, 255, 1];
  for (const layer of layers.reverse()) result = over(layer, result);
  return result;
}

/** WCAG relative luminance. @see https://www.w3.org/TR/WCAG22/#dfn-relative-luminance */
function luminance([r, g, b]) {
  const ch = (v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
}

function contrastRatio(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Every visible text (and every placeholder) whose colour against its effective background is below
 * 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold). @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 */
function lowContrast() {
  const rgb = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(", ")})`;
  const problems = [];
  const check = (el, text, colour) => {
    const style = getComputedStyle(el);
    const bg = effectiveBackground(el);
    const fg = over(parseColour(colour), bg);
    const size = Number.parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    const ratio = contrastRatio(fg, bg);
    if (ratio < needed)
      problems.push({
        text: text.slice(0, 60),
        ratio: Math.round(ratio * 100) / 100,
        needed,
        fg: rgb(fg),
        bg: rgb(bg),
      });
  };
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("svg, canvas, script, style, noscript, [hidden], [aria-hidden='true']")) continue;
    if (el.disabled) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== "visible" || style.display === "none" || Number(style.opacity) === 0) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const own = [...el.childNodes]
      .filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.textContent ?? "")
      .join("")
      .trim();
    if (own) check(el, own, style.color);
    if ((el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) && el.placeholder && !el.value)
      check(el, `placeholder: ${el.placeholder}`, getComputedStyle(el, "::placeholder").color);
  }
  return problems;
}

/** Blurs whatever has focus and scrolls to the top, so the next Tab starts at the page's first stop. */
function resetFocus() {
  document.activeElement?.blur?.();
  window.scrollTo(0, 0);
  return true;
}

/**
 * The focused element: a short name (aria-label, label, text or value) and whether it shows a focus
 * indicator (an outline at least 2 px wide, or a box shadow) that an unfocused copy of it does not.
 */
function focusStop() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const shows = (s) =>
    (s.outlineStyle !== "none" && Number.parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
  const focused = getComputedStyle(el);
  const now = {
    shows: shows(focused),
    outline: `${focused.outlineStyle} ${focused.outlineWidth} ${focused.outlineColor}`,
    shadow: focused.boxShadow,
  };
  const clone = el.cloneNode(true);
  clone.removeAttribute("id");
  clone.setAttribute("tabindex", "-1");
  clone.setAttribute("aria-hidden", "true");
  el.parentElement.insertBefore(clone, el);
  const cs = getComputedStyle(clone);
  const same =
    shows(cs) &&
    `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}` === now.outline &&
    cs.boxShadow === now.shadow;
  clone.remove();
  const label =
    el.getAttribute("aria-label") ||
    el.labels?.[0]?.textContent ||
    (el.textContent ?? "").trim() ||
    el.value ||
    "";
  return {
    name: label.replace(/\s+/g, " ").trim(),
    tag: el.tagName.toLowerCase(),
    type: el.type ?? "",
    indicator: now.shows && !same,
    style: `outline ${now.outline}; box-shadow ${now.shadow}`,
  };
}
