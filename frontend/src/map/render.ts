// Draws the issue map on one 2D canvas (measured in docs/benchmarks-map.md; the cytoscape and
// sigma.js runs it replaced are in that file's history): cytoscape spent seconds creating and
// styling 5,000 elements before its first frame, and sigma.js (WebGL 2) as long compiling shaders
// and rasterising in software where there is no GPU (SwiftShader); a plain canvas draws the same
// picture at once, because every frame is a handful of paths: all solid edges, all dashed edges,
// then one path per node kind.
import type { Kind, MapData, MapNode } from "./model";

// Shapes carry the kind, so colour is never the only cue; every colour has at least 3:1 contrast
// against the white background (WCAG 1.4.11). Radii are in layout units, as the layout spaces them.
const LOOK: Record<Kind, { color: string; radius: number }> = {
  institution: { color: "#0b5cad", radius: 13 },
  issue: { color: "#a4262c", radius: 9 },
  team: { color: "#2e6b30", radius: 9 },
  person: { color: "#6b4f00", radius: 5 },
};
const KINDS: Kind[] = ["institution", "issue", "team", "person"];
const INK = "#1b1b1b";
const EDGE = "#767676";
const SELECTED = "#ffbf47";
/** Shapes never shrink below this radius in pixels, so a zoomed-out map still shows every node;
 *  small maps have room for larger ones. */
const MIN_RADIUS_PX = { large: 2.5, small: 5 };
const LARGE = 1500;
/** Labels appear once an 11 px label would be drawn at 8 px or more (cytoscape's min-zoomed-font-size). */
const LABEL_ZOOM = 8 / 11;
const MAX_LABELS = 800;
const MIN_ZOOM = 0.005;
const MAX_ZOOM = 4;
/** While the view moves, the last full frame is moved and scaled as a picture (cytoscape's
 *  textureOnViewport); the full picture is drawn again once the view has been still this long. */
const SETTLE_MS = 120;
/** A press that moves less than this is a click, not a pan. */
const CLICK_SLOP_PX = 4;

interface Placed {
  id: string;
  kind: Kind;
  label: string;
  x: number;
  y: number;
}
interface Link {
  source: Placed;
  target: Placed;
  dashed: boolean;
}

export interface MapRenderer {
  /** Add what is new, remove what is gone and relabel the rest; the view stays where it is. */
  patch(data: MapData): void;
  select(id: string | null): void;
  /** Zoom about the centre of the canvas. */
  zoom(factor: number): void;
  fit(): void;
  /** Move the picture by a number of pixels (the benchmark's pan). */
  panBy(dx: number, dy: number): void;
  /** The nodes of a kind with where they are drawn, in pixels from the canvas' top left corner. */
  nodes(kind: Kind): { id: string; label: string; x: number; y: number }[];
  counts(): { nodes: number; edges: number };
  /** Draw the full picture now, as it stands; how long it took in milliseconds (the benchmark's). */
  drawFull(): number;
  /** Frames drawn so far and the time spent drawing them, all and only full ones (the benchmark's per-frame cost). */
  drawing(): { frames: number; ms: number; fullFrames: number; fullMs: number };
  kill(): void;
}

export interface RendererEvents {
  onSelect(id: string | null): void;
  onOpen(id: string): void;
  /** The first frame has been drawn and handed to the compositor. */
  onDrawn(): void;
}

function place(data: MapData): { nodes: Placed[]; byId: Map<string, Placed>; links: Link[] } {
  const nodes = data.nodes.map((n: MapNode) => ({ id: n.id, kind: n.kind, label: n.label, x: n.x, y: n.y }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const links: Link[] = [];
  for (const e of data.edges) {
    const source = byId.get(e.source);
    const target = byId.get(e.target);
    if (source && target) links.push({ source, target, dashed: e.kind === "CONSULTED" });
  }
  return { nodes, byId, links };
}

function shape(ctx: CanvasRenderingContext2D, kind: Kind, x: number, y: number, r: number): void {
  switch (kind) {
    case "institution": // diamond
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      break;
    case "issue": // square
      ctx.rect(x - r, y - r * 0.8, 2 * r, 1.6 * r);
      break;
    case "team": // triangle
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y + r * 0.8);
      ctx.lineTo(x - r, y + r * 0.8);
      ctx.closePath();
      break;
    default: // person: circle
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
}

export function createMapRenderer(container: HTMLElement, data: MapData, events: RendererEvents): MapRenderer {
  const canvas = document.createElement("canvas");
  canvas.style.display = "block";
  canvas.style.touchAction = "none"; // the canvas pans itself; the page must not scroll under it
  canvas.setAttribute("aria-hidden", "true"); // the container is the image; the list view is the text
  container.appendChild(canvas);
  const ctx = canvas.getContext("2d", { alpha: false })!;

  let { nodes, byId, links } = place(data);
  let selected: Placed | null = null;
  let width = 0;
  let height = 0;
  let ratio = 1;
  // The view: screen = layout * k + (tx, ty), in CSS pixels.
  let k = 1;
  let tx = 0;
  let ty = 0;
  let frame = 0;
  let drawn = false;
  // The last full frame and the view it was drawn with, shown moved while the view moves.
  const still = document.createElement("canvas");
  const stillCtx = still.getContext("2d")!;
  let stillView: { k: number; tx: number; ty: number } | null = null;
  let moving = false;
  let settle = 0;

  function resize(): void {
    width = Math.max(1, container.clientWidth);
    height = Math.max(1, container.clientHeight);
    ratio = Math.min(window.devicePixelRatio || 1, 2);
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }

  function fit(): void {
    if (!nodes.length) {
      k = 1;
      tx = width / 2;
      ty = height / 2;
      return;
    }
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const n of nodes) {
      minX = Math.min(minX, n.x);
      maxX = Math.max(maxX, n.x);
      minY = Math.min(minY, n.y);
      maxY = Math.max(maxY, n.y);
    }
    const pad = 24;
    k = clampZoom(Math.min((width - 2 * pad) / Math.max(maxX - minX, 1), (height - 2 * pad) / Math.max(maxY - minY, 1)));
    tx = width / 2 - ((minX + maxX) / 2) * k;
    ty = height / 2 - ((minY + maxY) / 2) * k;
  }

  function radiusPx(kind: Kind): number {
    return Math.max(LOOK[kind].radius * k, nodes.length > LARGE ? MIN_RADIUS_PX.large : MIN_RADIUS_PX.small);
  }

  const spent = { frames: 0, ms: 0, fullFrames: 0, fullMs: 0 };
  function draw(): void {
    const started = performance.now();
    frame = 0;
    if (moving && stillView) {
      drawMoved(stillView);
      spent.frames += 1;
      spent.ms += performance.now() - started;
      return;
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    const margin = 20;
    const visible = (x: number, y: number) => x > -margin && y > -margin && x < width + margin && y < height + margin;

    // Edges: one path for the solid ones and one for the dashed ones. On a large map thousands of
    // crossing edges would bury the nodes, so they are drawn lighter there.
    ctx.lineWidth = 1;
    ctx.strokeStyle = EDGE;
    ctx.globalAlpha = nodes.length > LARGE ? 0.35 : 1;
    for (const dashed of [false, true]) {
      ctx.setLineDash(dashed ? [4, 3] : []);
      ctx.beginPath();
      for (const l of links) {
        if (l.dashed !== dashed) continue;
        const x1 = l.source.x * k + tx;
        const y1 = l.source.y * k + ty;
        const x2 = l.target.x * k + tx;
        const y2 = l.target.y * k + ty;
        if ((x1 < 0 && x2 < 0) || (y1 < 0 && y2 < 0) || (x1 > width && x2 > width) || (y1 > height && y2 > height)) continue;
        ctx.moveTo(x1, y1);
        ctx.lineTo(x2, y2);
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;

    // Nodes: one path per kind, filled, outlined once they are big enough for an outline to show.
    const labelled: Placed[] = [];
    const withLabels = k >= LABEL_ZOOM;
    for (const kind of KINDS) {
      const r = radiusPx(kind);
      ctx.beginPath();
      for (const n of nodes) {
        if (n.kind !== kind) continue;
        const x = n.x * k + tx;
        const y = n.y * k + ty;
        if (!visible(x, y)) continue;
        shape(ctx, kind, x, y, r);
        if (withLabels && labelled.length < MAX_LABELS) labelled.push(n);
      }
      ctx.fillStyle = LOOK[kind].color;
      ctx.fill();
      if (r >= 4) {
        ctx.lineWidth = Math.min(2, r / 4);
        ctx.strokeStyle = INK;
        ctx.stroke();
      }
    }

    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillStyle = INK;
    for (const n of labelled) ctx.fillText(n.label, n.x * k + tx, n.y * k + ty + radiusPx(n.kind) + 3);

    // The selected node: a high-contrast halo, a thick outline and its label, whatever the zoom.
    if (selected) {
      const x = selected.x * k + tx;
      const y = selected.y * k + ty;
      const r = Math.max(radiusPx(selected.kind), 7);
      ctx.beginPath();
      ctx.arc(x, y, r + 7, 0, 2 * Math.PI);
      ctx.fillStyle = SELECTED;
      ctx.fill();
      ctx.beginPath();
      shape(ctx, selected.kind, x, y, r);
      ctx.fillStyle = LOOK[selected.kind].color;
      ctx.fill();
      ctx.lineWidth = 3;
      ctx.strokeStyle = "#000000";
      ctx.stroke();
      ctx.font = "bold 12px system-ui, sans-serif";
      const textY = y + r + 9;
      const w = ctx.measureText(selected.label).width;
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(x - w / 2 - 3, textY - 2, w + 6, 16);
      ctx.fillStyle = "#000000";
      ctx.fillText(selected.label, x, textY);
    }

    if (still.width !== canvas.width || still.height !== canvas.height) {
      still.width = canvas.width;
      still.height = canvas.height;
    }
    stillCtx.drawImage(canvas, 0, 0);
    stillView = { k, tx, ty };
    spent.frames += 1;
    spent.fullFrames += 1;
    spent.ms += performance.now() - started;
    spent.fullMs += performance.now() - started;
    if (!drawn) {
      drawn = true;
      // The frame is on screen once the browser gets to the next one.
      requestAnimationFrame(() => events.onDrawn());
    }
  }

  /** The last full frame, moved and scaled from the view it was drawn with to the current one. */
  function drawMoved(from: { k: number; tx: number; ty: number }): void {
    const scale = k / from.k;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(still, tx - from.tx * scale, ty - from.ty * scale, width * scale, height * scale);
  }

  function redraw(): void {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  /** The view moved: show the moved picture now and draw it in full once the view is still. */
  function moved(): void {
    moving = true;
    clearTimeout(settle);
    settle = window.setTimeout(() => {
      moving = false;
      redraw();
    }, SETTLE_MS);
    redraw();
  }

  /** The topmost node under a point of the canvas, allowing a few pixels around small shapes. */
  function hit(px: number, py: number): Placed | null {
    let best: Placed | null = null;
    let bestDistance = Infinity;
    for (const n of nodes) {
      const dx = n.x * k + tx - px;
      const dy = n.y * k + ty - py;
      const d = dx * dx + dy * dy;
      const reach = radiusPx(n.kind) + 3;
      if (d <= reach * reach && d <= bestDistance) {
        best = n;
        bestDistance = d;
      }
    }
    return best;
  }

  function zoomAt(factor: number, px: number, py: number): void {
    const next = clampZoom(k * factor);
    tx = px - ((px - tx) * next) / k;
    ty = py - ((py - ty) * next) / k;
    k = next;
    moved();
  }

  function point(e: MouseEvent): [number, number] {
    const box = canvas.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  }

  let press: { x: number; y: number; moved: boolean; id: number } | null = null;
  const onDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    const [x, y] = point(e);
    press = { x, y, moved: false, id: e.pointerId };
    canvas.setPointerCapture(e.pointerId);
  };
  const onMove = (e: PointerEvent) => {
    if (!press || e.pointerId !== press.id) return;
    const [x, y] = point(e);
    if (!press.moved && Math.hypot(x - press.x, y - press.y) < CLICK_SLOP_PX) return;
    tx += x - press.x;
    ty += y - press.y;
    press = { ...press, x, y, moved: true };
    moved();
  };
  const onUp = (e: PointerEvent) => {
    if (!press || e.pointerId !== press.id) return;
    const wasClick = !press.moved;
    press = null;
    if (!wasClick) return;
    const [x, y] = point(e);
    events.onSelect(hit(x, y)?.id ?? null);
  };
  const onDoubleClick = (e: MouseEvent) => {
    const [x, y] = point(e);
    const n = hit(x, y);
    if (n) events.onOpen(n.id);
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const [x, y] = point(e);
    zoomAt(Math.pow(1.0015, -e.deltaY * (e.deltaMode === 1 ? 16 : 1)), x, y);
  };
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointercancel", () => (press = null));
  canvas.addEventListener("dblclick", onDoubleClick);
  canvas.addEventListener("wheel", onWheel, { passive: false });
  const observer = new ResizeObserver(() => {
    const [w, h] = [width, height];
    resize();
    // Keep the centre of the picture in the centre when the canvas changes size.
    tx += (width - w) / 2;
    ty += (height - h) / 2;
    redraw();
  });

  resize();
  fit();
  draw();
  observer.observe(container);

  return {
    patch(next) {
      ({ nodes, byId, links } = place(next));
      selected = selected ? (byId.get(selected.id) ?? null) : null;
      redraw();
    },
    select(id) {
      selected = id ? (byId.get(id) ?? null) : null;
      redraw();
    },
    zoom(factor) {
      zoomAt(factor, width / 2, height / 2);
    },
    fit() {
      fit();
      redraw();
    },
    panBy(dx, dy) {
      tx += dx;
      ty += dy;
      moved();
    },
    nodes(kind) {
      return nodes.filter((n) => n.kind === kind).map((n) => ({ id: n.id, label: n.label, x: n.x * k + tx, y: n.y * k + ty }));
    },
    counts() {
      return { nodes: nodes.length, edges: links.length };
    },
    drawing() {
      return { ...spent };
    },
    drawFull() {
      const started = performance.now();
      const wasMoving = moving;
      moving = false;
      draw();
      moving = wasMoving;
      return performance.now() - started;
    },
    kill() {
      if (frame) cancelAnimationFrame(frame);
      clearTimeout(settle);
      observer.disconnect();
      canvas.remove();
    },
  };
}

function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}
