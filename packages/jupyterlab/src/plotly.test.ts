import { describe, expect, it } from 'vitest';
import { plotLayout } from './plotly.js';

const axis = { gridcolor: '#ddd', color: '#333' };
const theme = { xaxis: axis, yaxis: axis, yaxis2: axis, legend: {} };

describe('plotLayout', () => {
  it('themes every axis of a grid of panels and turns plain-string titles into { text }', () => {
    const layout = plotLayout(
      { title: 't', layout: { grid: { rows: 1, columns: 3 }, yaxis: { title: 'accuracy %' }, yaxis3: { title: 'bytes' }, xaxis3: {} } },
      theme,
    );
    expect(layout.yaxis3).toEqual({ ...axis, automargin: true, title: { text: 'bytes' } });
    expect(layout.xaxis3).toEqual({ ...axis, automargin: true });
    expect(layout.yaxis).toMatchObject({ title: { text: 'accuracy %' }, color: '#333' });
    // a figure without a second y axis gets none
    expect(layout).not.toHaveProperty('yaxis2');
  });
});
