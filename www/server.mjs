// A small static server on 127.0.0.1 for the demo and the end-to-end tests. It serves www/, the
// built bundle at /webexp.js, the npm build under /npm/, and routes that tests register (pages with
// their own headers, or bodies sent in timed chunks to exercise the parser).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
};

const STATIC = [
  ["/webexp.js", "dist/webexp.js"],
  ["/npm/", "dist/npm/"],
  ["/node_modules/", "node_modules/"],
  ["/", "www/"],
];

/**
 * Starts the server. `routes` maps a path to a handler `{ status?, headers?, body }` or
 * `{ chunks: [{ body, delayMs }] }`, or to a function (req) returning one of those.
 * Resolves to { url, port, close(), setRoute(path, route) }.
 */
export async function startServer({ port = 0, routes = {}, staticRoot } = {}) {
  const table = new Map(Object.entries(routes));
  // `staticRoot`: serve that directory at / instead of the repository's www/ (a built test app).
  const statics = staticRoot ? [["/", staticRoot]] : STATIC;
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    try {
      if (path === "/favicon.ico") return res.writeHead(204).end();
      let route = table.get(path);
      if (typeof route === "function") route = await route(req);
      if (route) return await send(res, route);
      for (const [prefix, dir] of statics) {
        if (path === prefix || (prefix.endsWith("/") && path.startsWith(prefix))) {
          let rel = prefix.endsWith("/") ? path.slice(prefix.length) : "";
          if (rel === "" && prefix.endsWith("/")) rel = "index.html";
          const base = staticRoot ? dir : join(ROOT, dir);
          const file = normalize(join(base, rel));
          if (!file.startsWith(base.replace(/\/$/, ""))) break;
          const body = await readFile(file);
          res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream", "cache-control": "no-store" });
          return res.end(body);
        }
      }
      res.writeHead(404).end("not found");
    } catch (e) {
      if (!res.headersSent) res.writeHead(e.code === "ENOENT" ? 404 : 500);
      res.end(String(e.code || e));
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = server.address().port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    setRoute: (path, route) => table.set(path, route),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function send(res, route) {
  const headers = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...(route.headers || {}) };
  res.writeHead(route.status || 200, headers);
  if (!route.chunks) return res.end(route.body ?? "");
  for (const chunk of route.chunks) {
    if (chunk.delayMs) await new Promise((r) => setTimeout(r, chunk.delayMs));
    res.write(chunk.body);
  }
  res.end();
}
