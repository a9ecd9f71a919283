//! The Mandelbrot workload's pictures: for each model, the image its median
//! run rendered, every tile tinted by the worker that computed it (a legend
//! maps tints to workers), filling in tile by tile at the moments the tiles
//! were finished in that run, replayed when the results arrive and on
//! request. Under each picture, what each worker computed: the imbalance a
//! static split leaves, in milliseconds.

use super::view::{Shown, View};
use crate::components::timeline::lane_name;
use crate::components::{ms, swatch, Run};
use crate::runner;
use std::cell::Cell;
use std::rc::Rc;
use threadlab::results::ModelSummary;
use threadlab::workloads::mandelbrot::{self, Tile, SHADES};
use threadlab::Workload;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};
use yew::prelude::*;

/// One tint per worker (cycling): Okabe–Ito colours, told apart with every
/// common colour-vision deficiency.
const TINTS: [(u8, u8, u8); 8] =
    [(0xE6, 0x9F, 0x00), (0x56, 0xB4, 0xE9), (0x00, 0x9E, 0x73), (0xCC, 0x79, 0xA7), (0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00), (0xF0, 0xE4, 0x42), (0x99, 0x99, 0x99)];

fn tint(worker: u32) -> (u8, u8, u8) {
    TINTS[worker as usize % TINTS.len()]
}

fn css((r, g, b): (u8, u8, u8)) -> String {
    format!("rgb({r}, {g}, {b})")
}

/// The colour of each shade in `worker`'s tiles: points in the set dark,
/// escaped points from near white (fast) to the full tint (slow). Made once
/// a tile, looked up for each pixel.
fn palette(worker: u32) -> [[u8; 4]; SHADES as usize] {
    let (r, g, b) = tint(worker);
    std::array::from_fn(|shade| {
        if shade == 0 {
            return [r / 4, g / 4, b / 4, 255];
        }
        let k = shade as f32 / f32::from(SHADES - 1);
        let mix = |c: u8| (255.0 - (255.0 - f32::from(c)) * k.powf(0.6)) as u8;
        [mix(r), mix(g), mix(b), 255]
    })
}

/// When the run this model's records come from started (its timeline's
/// start, else its first task's).
fn run_start(m: &ModelSummary) -> f64 {
    m.timeline.as_ref().map(|t| t.start_ms).unwrap_or_else(|| m.tasks.iter().map(|t| t.start_ms).fold(f64::INFINITY, f64::min))
}

/// The Mandelbrot's view: its pictures, under the chart.
pub struct Pictures;

impl View for Pictures {
    fn measured(&self, shown: &Shown) -> Html {
        html! { <MandelbrotPictures results={Run(shown.results.clone())} /> }
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub results: Run,
}

/// Every model's picture, with one replay for all.
#[function_component(MandelbrotPictures)]
pub fn mandelbrot_pictures(p: &Props) -> Html {
    // Replay time (ms from each run's start) and the replay in progress.
    let shown = use_state(|| f64::INFINITY);
    let generation = use_mut_ref(|| Rc::new(Cell::new(0u32)));
    let r = &p.results;
    let Workload::Mandelbrot(w) = &r.experiment.workload else { return html! {} };
    let drawn: Vec<(usize, &ModelSummary)> = r.models.iter().enumerate().filter(|(_, m)| m.tasks.iter().any(|t| mandelbrot::picture(&t.extra).is_some())).collect();
    let longest = drawn.iter().map(|(_, m)| m.tasks.iter().map(|t| t.end_ms).fold(0.0, f64::max) - run_start(m)).fold(0.0, f64::max);
    // Slowed so the eye can follow: at least 2 s, and said so.
    let slowdown = (2000.0 / longest.max(1e-3)).max(1.0);
    let replay = {
        let (shown, generation) = (shown.clone(), generation.borrow().clone());
        Callback::from(move |_: ()| {
            let (shown, generation) = (shown.clone(), generation.clone());
            let mine = generation.get().wrapping_add(1);
            generation.set(mine);
            wasm_bindgen_futures::spawn_local(async move {
                let frames = 40.0;
                for k in 0..=frames as u32 {
                    if generation.get() != mine {
                        return;
                    }
                    shown.set(longest * f64::from(k) / frames);
                    runner::sleep(longest * slowdown / frames).await;
                }
                shown.set(f64::INFINITY);
            });
        })
    };
    {
        // New results: fill the pictures in as their tiles were finished.
        let replay = replay.clone();
        use_effect_with(Rc::as_ptr(&r.0) as usize, move |_| replay.emit(()));
    }
    if drawn.is_empty() {
        return html! {};
    }
    let workers = drawn.iter().flat_map(|(_, m)| m.tasks.iter().map(|t| t.worker)).max().unwrap_or(0) + 1;
    let on_replay = {
        let replay = replay.clone();
        Callback::from(move |_: MouseEvent| replay.emit(()))
    };
    let label = if slowdown > 1.05 { format!("Replay ({slowdown:.0}× slower than it ran)") } else { "Replay (at the pace it ran)".into() };
    html! {
        <section class="pictures" aria-label="Mandelbrot pictures">
            <h3>{ "The picture, tile by tile" }</h3>
            <p class="hint">{ format!(
                "{} tiles of a {} × {} image, each tinted by the worker that computed it, appearing when it was finished in the median run. Dark: points in the set (the slowest pixels).",
                r.experiment.tasks, w.size, w.size
            ) }</p>
            <ul class="legend worker-tints">
                { for (0..workers.min(TINTS.len() as u32)).map(|k| html! {
                    <li>{ swatch(&css(tint(k))) }{ lane_name(threadlab::Model::Threads, 1, k) }</li>
                }) }
                if workers as usize > TINTS.len() { <li>{ "(tints repeat after 8 workers)" }</li> }
            </ul>
            <button type="button" class="secondary replay" onclick={on_replay}>{ label }</button>
            <div class="picture-grid">
                { for drawn.iter().map(|(index, m)| html! {
                    <Picture key={m.model.as_str()} results={r.clone()} index={*index} shown_ms={*shown} />
                }) }
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PictureProps {
    results: Run,
    index: usize,
    shown_ms: f64,
}

/// One model's picture on a canvas, and what each of its workers computed.
#[function_component(Picture)]
fn picture(p: &PictureProps) -> Html {
    let canvas = use_node_ref();
    // The tiles on the canvas now, and whose run they are: a replay frame
    // draws only the tiles it adds (a new run or a replay from the start
    // clears the canvas first).
    let drawn = use_mut_ref(|| (0usize, Vec::<bool>::new()));
    let m = &p.results.models[p.index];
    let Workload::Mandelbrot(w) = &p.results.experiment.workload else { return html! {} };
    let (size, tasks) = (w.size, p.results.experiment.tasks);
    let start = run_start(m);
    let shown = m.tasks.iter().filter(|t| t.end_ms - start <= p.shown_ms).count();
    {
        let (canvas, drawn, results, index, shown_ms) = (canvas.clone(), drawn.clone(), p.results.clone(), p.index, p.shown_ms);
        use_effect_with((Rc::as_ptr(&results.0) as usize, index, shown), move |&(run, ..)| {
            let m = &results.models[index];
            let Some(ctx) = canvas
                .cast::<HtmlCanvasElement>()
                .and_then(|c| c.get_context("2d").ok().flatten())
                .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
            else {
                return;
            };
            let mut drawn = drawn.borrow_mut();
            if drawn.0 != run || shown < drawn.1.iter().filter(|d| **d).count() {
                ctx.clear_rect(0.0, 0.0, size as f64, size as f64);
                *drawn = (run, vec![false; tasks as usize]);
            }
            for t in m.tasks.iter().filter(|t| t.end_ms - start <= shown_ms) {
                match drawn.1.get_mut(t.index as usize) {
                    Some(d) if !*d => *d = true,
                    _ => continue,
                }
                let tile = Tile::of(size, tasks, t.index);
                let (width, height) = (tile.width() as u32, (tile.y.end - tile.y.start) as u32);
                let shades = mandelbrot::picture(&t.extra).unwrap_or_default();
                if shades.len() != (width * height) as usize || width == 0 || height == 0 {
                    continue; // not a tile of this image: draw nothing rather than garbage
                }
                let colours = palette(t.worker);
                let mut rgba = Vec::with_capacity(shades.len() * 4);
                for c in shades.bytes() {
                    rgba.extend_from_slice(&colours[(c as char).to_digit(16).unwrap_or(0) as usize]);
                }
                if let Ok(data) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), width, height) {
                    let _ = ctx.put_image_data(&data, tile.x.start as f64, tile.y.start as f64);
                }
            }
        });
    }
    // What each worker computed in this run.
    let busy: Vec<(u32, usize, f64)> = m.busy_ms_by_worker().into_iter().map(|(w, b)| (w, m.tasks.iter().filter(|t| t.worker == w).count(), b)).collect();
    let wall = m.wall_ms.as_ref().map(|s| ms(s.median)).unwrap_or_default();
    html! {
        <figure class="picture" data-model={m.model.as_str()} data-tiles={m.tasks.len().to_string()} data-shown={shown.to_string()}>
            <canvas ref={canvas} width={size.to_string()} height={size.to_string()}
                role="img" aria-label={format!("{}: the Mandelbrot image, {} of {} tiles shown, tinted by worker", m.label, shown, m.tasks.len())} />
            <figcaption>
                <strong>{ &m.label }</strong>{ format!(" · {wall}") }
                <ul class="tile-work">
                    { for busy.iter().map(|(worker, tiles, busy_ms)| html! {
                        <li data-worker={worker.to_string()}>
                            { swatch(&css(tint(*worker))) }
                            { format!("{}: {} tile{}, {} computing", lane_name(m.model, p.results.experiment.threads_per_process, *worker), tiles, if *tiles == 1 { "" } else { "s" }, ms(*busy_ms)) }
                        </li>
                    }) }
                </ul>
            </figcaption>
        </figure>
    }
}
