// Build step (./build.sh): strings the wasm hands to JavaScript are decoded without TextDecoder
// when they are short and ASCII, as class names, attribute values and short HTML mostly are.
//
// Why: a TextDecoder.decode call costs about 10 µs in code that runs now and then, as a change
// re-applied to a re-rendered element does (measured on the churn benchmark: writing a class
// took 18 µs a call with TextDecoder, 11 µs without), where reading a few bytes in a loop costs
// well under 1 µs. Longer or non-ASCII strings still go through TextDecoder.
//
// Usage: node src/js/short-strings.mjs <wasm-bindgen glue.js>
import { readFileSync, writeFileSync } from "node:fs";

const path = process.argv[2];
const glue = readFileSync(path, "utf8");
const head = "function decodeText(bytes) {";
if (glue.split(head).length !== 2) throw new Error("short-strings: decodeText not found once in " + path);
// A plain loop: `bytes.every` and a spread into `String.fromCharCode` cost 10 to 20 µs for ten
// bytes in code this cold (measured), the loop less than the timer's 5 µs.
const short = `${head}
    if (bytes.length < 64) {
        let s = "", i = 0;
        while (i < bytes.length && bytes[i] < 128) s += String.fromCharCode(bytes[i++]);
        if (i === bytes.length) return s;
    }`;
writeFileSync(path, glue.replace(head, () => short));
