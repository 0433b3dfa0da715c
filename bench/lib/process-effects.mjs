// A second interval for a side-by-side cost, one that treats the process, not the round, as the
// unit. The rounds of one process share its compiled code and heap, and a handler's place in the
// order its process made the handlers in favours or slows it for the whole process
// (bench/README.md, `console.mjs`): rounds are not independent, so an interval from the rounds'
// order statistics alone can be narrower than the spread between processes allows.
//
// The processes make the variants in rotated orders (a Latin square when the processes are a
// multiple of the variants), so each process's median cost of a variant against the baseline is
// modelled as the variant's cost, plus the effect of the place it was made in, minus the effect of
// the baseline's place, plus noise; the costs and place effects are fitted by least squares and the
// interval for a cost is Student's t on the residuals. With every variant made in every place
// equally often, the fitted cost is the plain mean of the processes' medians, and the fit only
// takes the places' share out of the noise.

/** Student's t quantile for a 95 % two-sided interval with `df` degrees of freedom. */
function t975(df) {
  const table = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16,
    2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052,
    2.048, 2.045, 2.042,
  ];
  if (df <= table.length) return table[df - 1];
  // Cornish–Fisher expansion about the normal quantile; within 0.001 of the exact value past 30.
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

/** Inverts a small symmetric positive-definite matrix (Gauss–Jordan); undefined when singular. */
function inverse(matrix) {
  const size = matrix.length;
  const work = matrix.map((row, index) => [
    ...row,
    ...Array.from({ length: size }, (_, column) => (column === index ? 1 : 0)),
  ]);
  for (let column = 0; column < size; column++) {
    let pivot = column;
    for (let row = column + 1; row < size; row++)
      if (Math.abs(work[row][column]) > Math.abs(work[pivot][column])) pivot = row;
    if (Math.abs(work[pivot][column]) < 1e-9) return undefined;
    [work[column], work[pivot]] = [work[pivot], work[column]];
    const scale = work[column][column];
    for (let index = 0; index < 2 * size; index++) work[column][index] /= scale;
    for (let row = 0; row < size; row++) {
      if (row === column) continue;
      const factor = work[row][column];
      if (factor !== 0)
        for (let index = 0; index < 2 * size; index++)
          work[row][index] -= factor * work[column][index];
    }
  }
  return work.map((row) => row.slice(size));
}

/**
 * Fits each variant's cost over the processes with the place effects taken out.
 *
 * `variants` lists the variants, the baseline first; `placeOf(variantIndex, process)` is the place
 * (0-based) that process made the variant in; `costs.get(variant)[process]` is that process's
 * median cost of the variant against the baseline (a fraction). Returns a map from each
 * non-baseline variant to `{ cost, interval: [low, high], df }`, or undefined when the processes
 * are too few to fit the places and still leave noise to measure (fewer than three, a design that
 * does not separate them, or a process without rounds).
 */
export function processIntervals(variants, placeOf, costs) {
  const places = variants.length;
  const processes = costs.get(variants[1])?.length ?? 0;
  const compared = variants.slice(1);
  // Unknowns: a cost per compared variant, then the place effects of places 0 … n−2 (the last
  // place's effect is minus their sum, so that the effects sum to zero).
  const unknowns = compared.length + places - 1;
  const placeColumns = (place) => {
    const row = new Array(places - 1).fill(0);
    if (place < places - 1) row[place] = 1;
    else row.fill(-1);
    return row;
  };
  const rows = [];
  const observed = [];
  for (const [index, variant] of compared.entries())
    for (let process = 0; process < processes; process++) {
      const own = placeColumns(placeOf(index + 1, process));
      const baseline = placeColumns(placeOf(0, process));
      const row = new Array(compared.length).fill(0);
      row[index] = 1;
      rows.push([...row, ...own.map((value, place) => value - baseline[place])]);
      observed.push(costs.get(variant)[process]);
    }
  const df = rows.length - unknowns;
  // A process with no rounds of its own (fewer `--rounds` than processes) has no median.
  if (processes < 3 || df < 1 || !observed.every(Number.isFinite)) return undefined;
  const normal = Array.from({ length: unknowns }, (_, i) =>
    Array.from({ length: unknowns }, (_, j) => rows.reduce((sum, row) => sum + row[i] * row[j], 0)),
  );
  const inverted = inverse(normal);
  if (inverted === undefined) return undefined;
  const moment = Array.from({ length: unknowns }, (_, i) =>
    rows.reduce((sum, row, index) => sum + row[i] * observed[index], 0),
  );
  const fitted = inverted.map((row) => row.reduce((sum, value, j) => sum + value * moment[j], 0));
  const residuals = rows.map(
    (row, index) => observed[index] - row.reduce((sum, value, j) => sum + value * fitted[j], 0),
  );
  const variance = residuals.reduce((sum, residual) => sum + residual ** 2, 0) / df;
  const t = t975(df);
  return new Map(
    compared.map((variant, index) => {
      const halfWidth = t * Math.sqrt(variance * inverted[index][index]);
      const cost = fitted[index];
      return [variant, { cost, interval: [cost - halfWidth, cost + halfWidth], df }];
    }),
  );
}
