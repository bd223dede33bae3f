import { describe, expect, it } from 'vitest';
import { figures, reportTable, tableText, validateReport, type DistillationReport } from '../index.js';

const report: DistillationReport = {
  kind: 'distillation',
  version: 1,
  title: 'distillation of lenet-5 into <b>student</b> (T = 4, α = 0.9)',
  temperature: 4,
  alpha: 0.9,
  teacher: { name: 'lenet-5', params: 61706, bytes: 250693, gzipBytes: 230000, accuracy: 0.9741 },
  student: { name: 'lenet-5-w0.5', params: 15738, bytes: 66819, gzipBytes: 61000, accuracy: 0.9 },
  agreement: 0.91,
  epochs: [
    { epoch: 1, soft: 10.5, hard: 1.27, loss: 9.58, accuracy: 0.79 },
    { epoch: 2, soft: 2.73, hard: 0.46, loss: 2.5, accuracy: 0.9 },
  ],
};

describe('distillation report', () => {
  it('validates, and rejects α outside [0, 1] and T ≤ 0', () => {
    expect(validateReport(report).ok).toBe(true);
    expect(validateReport({ ...report, alpha: 1.5 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^invalid distillation report: alpha/),
    });
    expect(validateReport({ ...report, temperature: 0 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^invalid distillation report: temperature/),
    });
    expect(validateReport({ ...report, agreement: null, epochs: [{ ...report.epochs[0]!, accuracy: null }] }).ok).toBe(true);
  });

  it('table: teacher beside student (params, bytes, accuracy) and one line per epoch', () => {
    const t = reportTable(report);
    expect(t.columns).toEqual(['', 'teacher', 'student', 'student / teacher']);
    expect(t.rows[1]).toEqual(['params', '61,706', '15,738', '25.5%']); // 15738 / 61706 = 0.2550
    expect(t.rows[2]).toEqual(['bytes', '250,693', '66,819', '3.75× smaller']); // 250693 / 66819 = 3.752
    expect(t.rows[3]).toEqual(['accuracy', '97.41%', '90.00%', '']);
    expect(t.notes[0]).toBe('T = 4, α = 0.9; top-1 agreement with the teacher 91.00%');
    expect(t.notes[2]).toBe('epoch 2: soft (T²·KL) 2.73, hard (CE) 0.46, loss 2.5, accuracy 90.00%');
    expect(tableText(t)).toContain('lenet-5-w0.5');
  });

  it('figure: soft and hard loss per epoch, accuracy on a second axis; report strings escaped', () => {
    const [f] = figures(report);
    expect(f!.data.map((d) => d.name)).toEqual(['soft: T²·KL(teacher ‖ student)', 'hard: cross-entropy with labels', 'student accuracy %']);
    expect(f!.data[0]!.y).toEqual([10.5, 2.73]);
    expect(f!.data[2]!.y).toEqual([79, 90]);
    expect(f!.data[2]!.yaxis).toBe('y2');
    expect(f!.title).toContain('&lt;b&gt;student&lt;/b&gt;');
    expect(figures({ ...report, epochs: report.epochs.map((e) => ({ ...e, accuracy: null })) })[0]!.data).toHaveLength(2);
  });
});
