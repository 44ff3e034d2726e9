// React Spectrum's stylesheets, for the component tests (jsdom has no use for them; Parcel bundles them for real)
module.exports = {};
