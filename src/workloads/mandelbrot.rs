//! CPU-bound with uneven tasks: render a Mandelbrot image in tiles, one
//! tile per task. A pixel costs as many iterations as its point takes to
//! escape, and points in the set never escape: tiles over the set cost
//! hundreds of times more than tiles beside it. A pool that hands out one
//! tile at a time balances that; one that splits the image into equal
//! blocks in advance (the static-split models) leaves a worker idle.
//!
//! The image is `size` × `size` pixels of the plane from −2.2 to 0.8 (real)
//! and −1.5 to 1.5 (imaginary), cut into a grid of `tasks` tiles numbered
//! down each column, left to right, so that a static split into halves is a
//! left half (little of the set) and a right half (most of it). A task
//! returns the sum of its pixels' iteration counts and a picture of the
//! tile (one shade per pixel) for the page to draw.

use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::extra::Extra;
use crate::model::Shape;
use crate::text::group;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Width and height of the image, in pixels.
pub const MAX_SIZE: u64 = 1024;
/// Iterations before a point is taken to be in the set.
pub const MAX_ITERATIONS: u64 = 100_000;
/// The plane drawn: real part from `LEFT` to `LEFT + SPAN`, imaginary part
/// from `TOP` to `TOP + SPAN`.
const LEFT: f64 = -2.2;
const TOP: f64 = -1.5;
const SPAN: f64 = 3.0;
/// Iterations between two eval-breaker checks (at least; checked per pixel).
const TICK_ITERATIONS: u64 = 4096;
/// Shades of a tile's picture: 0 for points in the set, 1–15 for escape
/// times (logarithmic), one hexadecimal digit per pixel.
pub const SHADES: u8 = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mandelbrot {
    pub size: u64,
    pub iterations: u64,
}

/// What a tile returns beyond its iteration count (its part of a task's
/// record): the tile as drawn, row by row, one hexadecimal digit a pixel
/// (0: in the set; 1–f: escaped, slow to fast).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Picture<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    pub picture: &'a str,
}

/// A tile's picture (see [`Picture`]), if it has one.
pub fn picture(task: &Extra) -> Option<&str> {
    task.get::<Picture>().map(|p| p.picture).filter(|p| !p.is_empty())
}

impl Kind for Mandelbrot {
    const LABEL: &'static str = "CPU: Mandelbrot tiles (uneven)";
    const FIELDS: &'static [Field] = &[
        Field {
            key: "size",
            label: "Image size (pixels)",
            hint: "The image is size × size pixels, cut into one tile per task (tiles are numbered down each column, left to right).",
            default: "480",
            input: Input::Whole { min: 8, max: MAX_SIZE },
        },
        Field {
            key: "iterations",
            label: "Iterations per pixel, at most",
            hint: "A point still bounded after this many iterations is taken to be in the set: it costs the most.",
            default: "1000",
            input: Input::Whole { min: 1, max: MAX_ITERATIONS },
        },
    ];
    const MODELS: Option<&'static [crate::model::Model]> = {
        use crate::model::Model::*;
        Some(&[Sequential, Threads, ThreadsStatic, Processes, ProcessesStatic])
    };

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        Ok(Mandelbrot { size: p.whole("size")?, iterations: p.whole("iterations")? })
    }
    fn scaled(&self, factor: f64) -> Option<Self> {
        Some(Mandelbrot { size: super::task::scaled_side(self.size, factor), iterations: self.iterations })
    }
}

/// The tile grid of `tasks` tiles: rows × columns = tasks, as square as the
/// count allows (columns ≥ rows).
pub fn grid(tasks: u32) -> (u32, u32) {
    let tasks = tasks.max(1);
    let rows = (1..=tasks).take_while(|r| r * r <= tasks).filter(|r| tasks % r == 0).last().unwrap_or(1);
    (rows, tasks / rows)
}

/// Where tile `index` lies: its pixel columns and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    pub x: Range<u64>,
    pub y: Range<u64>,
}

impl Tile {
    /// Tile `index` of `tasks` in a `size` × `size` image (down each
    /// column, left to right).
    pub fn of(size: u64, tasks: u32, index: u32) -> Tile {
        let (rows, cols) = grid(tasks);
        let (col, row) = (u64::from(index / rows), u64::from(index % rows));
        let (rows, cols) = (u64::from(rows), u64::from(cols));
        Tile { x: col * size / cols..(col + 1) * size / cols, y: row * size / rows..(row + 1) * size / rows }
    }

    pub fn width(&self) -> u64 {
        self.x.end - self.x.start
    }
}

/// Iterations of `z = z² + c` before `|z| > 2`, at most `max`. The same
/// operations in the same order as the Python (IEEE doubles, no fused
/// multiply-add): the same counts on every machine.
#[inline]
pub fn escape(cx: f64, cy: f64, max: u64) -> u64 {
    let (mut zr, mut zi, mut n) = (0.0f64, 0.0f64, 0);
    while n < max && zr * zr + zi * zi <= 4.0 {
        let t = zr * zr - zi * zi + cx;
        zi = 2.0 * zr * zi + cy;
        zr = t;
        n += 1;
    }
    n
}

/// The point at the centre of pixel `p` along one axis.
fn coordinate(start: f64, size: u64, p: u64) -> f64 {
    start + (p as f64 + 0.5) * (SPAN / size as f64)
}

/// A pixel's shade: 0 in the set, else 1–15 by escape time (logarithmic).
pub fn shade(n: u64, max: u64) -> u8 {
    if n >= max {
        return 0;
    }
    let level = ((n + 1) as f64).ln() / ((max + 1) as f64).ln();
    1 + ((level * f64::from(SHADES - 2)).round() as u8).min(SHADES - 2)
}

/// Renders `tile`: the sum of its iteration counts and, when `picture` is
/// set, one hexadecimal shade per pixel, row by row. Calls `tick` every few
/// thousand iterations.
pub fn render(tile: &Tile, size: u64, max: u64, picture: bool, tick: &mut dyn FnMut()) -> (u64, String) {
    let mut total = 0;
    let mut since_tick = 0;
    let mut shades = Vec::with_capacity(if picture { (tile.width() * (tile.y.end - tile.y.start)) as usize } else { 0 });
    for py in tile.y.clone() {
        let cy = coordinate(TOP, size, py);
        for px in tile.x.clone() {
            let n = escape(coordinate(LEFT, size, px), cy, max);
            total += n;
            if picture {
                shades.push(b"0123456789abcdef"[usize::from(shade(n, max))]);
            }
            since_tick += n + 1;
            if since_tick >= TICK_ITERATIONS {
                since_tick = 0;
                tick();
            }
        }
    }
    (total, String::from_utf8(shades).expect("hexadecimal digits"))
}

/// CPython's time per iteration of this task's [`Task::cost`] in its
/// Python (ns): 16.7 measured ([`super::task::PYTHON_MEASURED_WITH`];
/// a 300 × 300 image, up to 300 iterations a pixel, in 4 tiles: 421 ms for 25 million iterations of its cost). The basis of the Python panel's estimate.
pub const PYTHON_NS_PER_ITERATION: f64 = 16.7;

impl Task for Mandelbrot {
    fn cpu_bound(&self) -> bool {
        true
    }
    fn cost(&self) -> Cost {
        // The whole image (the tasks share it out): a sixth of the plane
        // drawn is in the set (full iterations); the rest escapes within a
        // few dozen.
        let pixels = (self.size * self.size) as f64;
        Cost::Iterations(pixels * (self.iterations as f64 / 6.0 + 20.0) * 4.0)
    }
    fn python_ms(&self) -> Option<f64> {
        Some(self.cost().python_ms(PYTHON_NS_PER_ITERATION))
    }
    fn splits_one_job(&self) -> bool {
        true
    }
    fn validate(&self, exp: &Shape) -> Result<(), ExperimentError> {
        let (rows, cols) = grid(exp.tasks);
        if u64::from(cols) > self.size {
            return Err(ExperimentError::Workload {
                field: "tasks".into(),
                message: format!(
                    "{} tiles make a grid of {rows} × {cols}: more columns than the image's {} pixels. Use fewer tasks (a count with a divisor near its square root, like 16 or 64) or a larger image",
                    exp.tasks, self.size
                ),
            });
        }
        Ok(())
    }
    fn run(&self, _: &Machine, index: u32, w: &mut Worker) -> Output {
        let tasks = w.shared().tasks;
        let (value, picture) = render(&Tile::of(self.size, tasks, index), self.size, self.iterations, true, &mut || w.tick());
        Output::with(value, &Picture { picture: &picture })
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        // No closed form: each tile rendered once more, in one worker.
        (0..tasks).map(|i| Some(render(&Tile::of(self.size, tasks, i), self.size, self.iterations, false, &mut || {}).0)).collect()
    }
    fn describe(&self) -> String {
        format!("CPU: a {0} × {0} Mandelbrot image in tiles, up to {1} iterations a pixel", self.size, group(self.iterations))
    }
    fn explain(&self, _exp: &Shape, _models: &[crate::summary::ModelSummary]) -> Vec<String> {
        vec!["Tiles over the set cost far more than tiles beside it: each picture below is tinted by the worker that computed each tile.".into()]
    }
    fn python(&self, _: &Machine) -> PythonTask {
        PythonTask {
            helpers: format!(
                r#"SIZE, MAX_ITER = scaled_side({size}), {max}  # the image's area scales by SCALE


def grid(tasks):
    rows = max(r for r in range(1, tasks + 1) if r * r <= tasks and tasks % r == 0)
    return rows, tasks // rows


def escape(cx, cy):
    zr = zi = 0.0
    n = 0
    while n < MAX_ITER and zr * zr + zi * zi <= 4.0:
        zr, zi = zr * zr - zi * zi + cx, 2.0 * zr * zi + cy
        n += 1
    return n
"#,
                size = self.size,
                max = self.iterations
            ),
            body: format!(
                "    rows, cols = grid(TASKS)\n    col, row = divmod(i, rows)  # tiles go down each column, left to right\n    total = 0\n    for y in range(row * SIZE // rows, (row + 1) * SIZE // rows):\n        cy = {TOP:.1} + (y + 0.5) * ({SPAN:.1} / SIZE)\n        for x in range(col * SIZE // cols, (col + 1) * SIZE // cols):\n            total += escape({LEFT:.1} + (x + 0.5) * ({SPAN:.1} / SIZE), cy)\n    return total\n"
            ),
            same_values: true,
            crashes: false,
            takes_input: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_has_one_tile_per_task_and_covers_the_image_once() {
        assert_eq!(grid(16), (4, 4));
        assert_eq!(grid(8), (2, 4));
        assert_eq!(grid(7), (1, 7));
        assert_eq!(grid(1), (1, 1));
        for tasks in [1, 2, 6, 7, 16, 30] {
            let mut covered = vec![0u8; 50 * 50];
            for i in 0..tasks {
                let t = Tile::of(50, tasks, i);
                for y in t.y.clone() {
                    for x in t.x.clone() {
                        covered[(y * 50 + x) as usize] += 1;
                    }
                }
            }
            assert!(covered.iter().all(|&c| c == 1), "{tasks} tiles");
        }
        // Down each column first: with 2 × 2 tiles, tasks 0 and 1 are the left half.
        assert_eq!(Tile::of(100, 4, 1), Tile { x: 0..50, y: 50..100 });
    }

    #[test]
    fn points_in_the_set_never_escape_and_tiles_over_it_cost_more() {
        assert_eq!(escape(0.0, 0.0, 500), 500);
        assert_eq!(escape(-1.0, 0.0, 500), 500);
        assert_eq!(escape(1.0, 1.0, 500), 2, "1+i, then 1+3i escapes");
        assert_eq!(shade(500, 500), 0);
        assert!((1..SHADES).contains(&shade(3, 500)));
        let cost = |i| render(&Tile::of(64, 4, i), 64, 300, false, &mut || {}).0;
        // Left half (tiles 0, 1) against right half (2, 3): the main cardioid is on the right.
        assert!(cost(2) + cost(3) > 3 * (cost(0) + cost(1)), "{} vs {}", cost(2) + cost(3), cost(0) + cost(1));
        // The image is symmetric about the real axis: top and bottom tiles cost
        // about the same (pixel centres mirror up to rounding).
        assert!(cost(0).abs_diff(cost(1)) * 100 < cost(0), "{} vs {}", cost(0), cost(1));
    }

    #[test]
    fn the_picture_has_one_shade_per_pixel() {
        let t = Tile::of(30, 6, 4);
        let mut ticks = 0;
        let (total, picture) = render(&t, 30, 200, true, &mut || ticks += 1);
        assert_eq!(picture.len() as u64, t.width() * (t.y.end - t.y.start));
        assert!(picture.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(total > 0 && ticks > 0);
    }
}
