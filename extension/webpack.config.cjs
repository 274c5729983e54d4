// Merged by `jupyter labextension build` into JupyterLab's own webpack config. DuckDB-WASM's engine and its
// worker script are emitted as files next to our chunks (importing one yields its URL): the extension then
// serves them itself, nothing comes from a CDN.
module.exports = {
  module: {
    rules: [
      {
        test: /[\\/]@duckdb[\\/]duckdb-wasm[\\/]dist[\\/](duckdb-eh\.wasm|duckdb-browser-eh\.worker\.js)$/,
        type: 'asset/resource',
        generator: { filename: 'duckdb/[name].[contenthash:8][ext]' },
      },
    ],
  },
};
