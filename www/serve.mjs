// ./build.sh demo: serves the demo page on 127.0.0.1.
import { startServer } from "./server.mjs";

const port = Number(process.argv[2] || 8080);
const server = await startServer({ port });
console.log(`webexp demo: ${server.url}/  (Ctrl-C to stop)`);
