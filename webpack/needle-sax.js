/**
 * needle's XML parser, not bundled: needle loads `sax` (50 KB of code, entity
 * tables built when it loads) to parse answers whose content-type says XML. The
 * OpenWhisk controller answers JSON, so a receiver's first hand-off only paid to
 * load it. needle runs a parser inside a try and passes the body through unparsed
 * when the parser throws, which this one does. webpack-config.js gives this
 * module to needle in place of sax.
 */
module.exports = {
  parser() {
    throw new Error('XML answers are not parsed in the action bundles (webpack/needle-sax.js)');
  },
};
