// plotly.js's partial bundles ship without type declarations; plotly.ts types what it uses.
declare module 'plotly.js/lib/core';
declare module 'plotly.js/lib/bar';
declare module 'plotly.js/lib/heatmap';
declare module 'plotly.js/lib/histogram';
declare module 'plotly.js/lib/scatter';
