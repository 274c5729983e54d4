// DuckDB-WASM's engine and worker are emitted as files by webpack (see webpack.config.cjs): importing one
// gives its URL.
declare module '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm' {
  const url: string;
  export default url;
}
declare module '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js' {
  const url: string;
  export default url;
}
