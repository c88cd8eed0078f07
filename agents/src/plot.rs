//! Learning curves as a PNG: success rate and mean episode return against env steps, one
//! colour per run, from the runs' `metrics.jsonl` (smoothed by a moving average over updates),
//! with the runs' evaluations on training and held-out levels when they made any; and score
//! panels (an experiment's scores against its numbers of training levels).
//! Drawn with a tiny rasterizer and the public-domain font8x8 glyphs; no plotting stack.

use std::path::Path;

use ludica_envs::Picture;

use crate::error::AgentError;
use crate::eval::SplitStats;
use crate::metrics::UpdateRecord;

/// One run's curve data.
pub struct Curve {
    /// Label in the legend.
    pub name: String,
    /// Its records, in update order.
    pub records: Vec<UpdateRecord>,
}

const WIDTH: usize = 1000;
const PANEL_H: usize = 300;
const MARGIN_L: usize = 80;
const MARGIN_R: usize = 20;
const MARGIN_T: usize = 30;
const MARGIN_B: usize = 40;
const WHITE: [u8; 3] = [255, 255, 255];
const INK: [u8; 3] = [30, 30, 30];
const GRID: [u8; 3] = [225, 225, 225];
/// Line colours, one per run in turn (Tableau 10).
const COLOURS: [[u8; 3]; 8] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
];

/// Centred moving average over `window` points, skipping missing values.
pub fn smooth(values: &[Option<f64>], window: usize) -> Vec<Option<f64>> {
    let half = window / 2;
    (0..values.len())
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(values.len());
            let present: Vec<f64> = values[lo..hi].iter().flatten().copied().collect();
            (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
        })
        .collect()
}

/// How a line is drawn: training episodes solid, evaluation on training levels dotted, on
/// held-out levels dashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stroke {
    Solid,
    Dotted,
    Dashed,
}

impl Stroke {
    /// Whether the `k`-th pixel along the line is inked.
    fn inks(self, k: usize) -> bool {
        match self {
            Stroke::Solid => true,
            Stroke::Dotted => k % 6 < 3,
            Stroke::Dashed => k % 16 < 10,
        }
    }
}

/// One line of a panel: points (env steps, value) in a colour and a stroke.
struct Line {
    colour: [u8; 3],
    stroke: Stroke,
    points: Vec<(f64, Option<f64>)>,
}

/// What a panel shows: a value of the training episodes and the same value of an evaluation split.
struct Metric {
    title: &'static str,
    episodes: fn(&UpdateRecord) -> Option<f64>,
    split: fn(&SplitStats) -> f64,
    fixed: Option<(f64, f64)>,
}

struct Canvas {
    pic: Picture,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Canvas {
        Canvas {
            pic: Picture { width, height, pixels: WHITE.iter().copied().cycle().take(width * height * 3).collect() },
        }
    }

    fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        set_pixel(&mut self.pic, x, y, c);
    }

    /// A solid 2-pixel-wide line.
    fn line(&mut self, from: (i64, i64), to: (i64, i64), c: [u8; 3]) {
        self.stroke(from, to, c, Stroke::Solid, &mut 0);
    }

    /// A 2-pixel-wide line (Bresenham) in `stroke`; `drawn` counts the pixels stepped along
    /// a polyline so far, so that dashes run on across its segments.
    fn stroke(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), c: [u8; 3], stroke: Stroke, drawn: &mut usize) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            if stroke.inks(*drawn) {
                self.set(x, y, c);
                self.set(x, y + 1, c);
            }
            *drawn += 1;
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    fn text(&mut self, x: i64, y: i64, s: &str, c: [u8; 3]) {
        draw_text(&mut self.pic, x, y, s, c);
    }
}

/// Colours the pixel at (x, y) of `pic`, if it lies inside.
fn set_pixel(pic: &mut Picture, x: i64, y: i64, c: [u8; 3]) {
    if x >= 0 && y >= 0 && (x as usize) < pic.width && (y as usize) < pic.height {
        let i = (y as usize * pic.width + x as usize) * 3;
        pic.pixels[i..i + 3].copy_from_slice(&c);
    }
}

/// Text in the 8x8 font on `pic`, top-left at (x, y); what falls outside is cut off.
pub fn draw_text(pic: &mut Picture, x: i64, y: i64, s: &str, c: [u8; 3]) {
    for (k, ch) in s.chars().enumerate() {
        let glyph = font8x8::legacy::BASIC_LEGACY[(ch as usize).min(127)];
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                if bits >> col & 1 == 1 {
                    set_pixel(pic, x + k as i64 * 8 + col, y + row as i64, c);
                }
            }
        }
    }
}

/// A compact number for axis labels: 1.5M, 250k, 0.75.
fn label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The lines of `metric` for every curve: its training episodes (smoothed over `window`
/// updates) and, for runs that evaluated, the evaluations on training and held-out levels.
fn lines(curves: &[Curve], metric: &Metric, window: usize) -> Vec<Line> {
    let mut lines = Vec::new();
    for (k, c) in curves.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let steps = || c.records.iter().map(|r| r.global_step as f64);
        let ys = smooth(&c.records.iter().map(metric.episodes).collect::<Vec<_>>(), window);
        lines.push(Line { colour, stroke: Stroke::Solid, points: steps().zip(ys).collect() });
        let evals = || c.records.iter().filter_map(|r| r.eval.as_ref().map(|e| (r.global_step as f64, e)));
        if evals().next().is_some() {
            let split = |e: &SplitStats| Some((metric.split)(e)).filter(|v| v.is_finite());
            lines.push(Line {
                colour,
                stroke: Stroke::Dotted,
                points: evals().map(|(x, e)| (x, split(&e.train))).collect(),
            });
            lines.push(Line {
                colour,
                stroke: Stroke::Dashed,
                points: evals().map(|(x, e)| (x, split(&e.test))).collect(),
            });
        }
    }
    lines
}

/// Draws one panel of `metric` against env steps for every curve.
fn panel(canvas: &mut Canvas, top: usize, curves: &[Curve], metric: &Metric, window: usize) {
    let title = format!("{} (moving average over {window} updates)", metric.title);
    draw_panel(canvas, top, &title, &lines(curves, metric, window), metric.fixed);
}

/// Draws `lines` against env steps in a panel whose top is at `top`, on `fixed` y bounds or
/// bounds that hold every value (and 0).
fn draw_panel(canvas: &mut Canvas, top: usize, title: &str, lines: &[Line], fixed: Option<(f64, f64)>) {
    let (x0, x1) = (MARGIN_L as i64, (WIDTH - MARGIN_R) as i64);
    let (y0, y1) = ((top + MARGIN_T) as i64, (top + PANEL_H - MARGIN_B) as i64);
    let max_x = lines.iter().flat_map(|l| &l.points).map(|p| p.0).fold(1.0, f64::max);
    let values: Vec<f64> = lines.iter().flat_map(|l| &l.points).filter_map(|p| p.1).collect();
    let (lo, hi) = fixed.unwrap_or_else(|| {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, if hi > lo { hi } else { lo + 1.0 })
    });
    let px = |x: f64| x0 + ((x / max_x) * (x1 - x0) as f64).round() as i64;
    let py = |y: f64| y1 - (((y - lo) / (hi - lo)) * (y1 - y0) as f64).round() as i64;
    for k in 0..=4 {
        let y = lo + (hi - lo) * k as f64 / 4.0;
        canvas.line((x0, py(y)), (x1, py(y)), GRID);
        let text = label(y);
        canvas.text(x0 - 8 - 8 * text.len() as i64, py(y) - 4, &text, INK);
        let x = max_x * k as f64 / 4.0;
        let text = label(x);
        canvas.text(px(x) - 4 * text.len() as i64, y1 + 8, &text, INK);
    }
    canvas.line((x0, y0), (x0, y1), INK);
    canvas.line((x0, y1), (x1, y1), INK);
    canvas.text(x0, top as i64 + 10, title, INK);
    canvas.text(x1 - 8 * 9, y1 + 24, "env steps", INK);
    for line in lines {
        let present: Vec<(i64, i64)> =
            line.points.iter().filter_map(|(x, y)| y.map(|y| (px(*x), py(y.clamp(lo, hi))))).collect();
        let mut drawn = 0;
        for pair in present.windows(2) {
            canvas.stroke(pair[0], pair[1], line.colour, line.stroke, &mut drawn);
        }
    }
}

/// One run's curriculum buffer over training: at each update's env steps, the mean of a level
/// property and the mean score over the buffered levels.
pub struct BufferCurve {
    /// Label in the legend.
    pub name: String,
    /// `(env steps, mean property, mean score)`, in update order.
    pub points: Vec<crate::curriculum::BufferPoint>,
}

/// How the runs' replay buffers change over training: the buffered levels' mean `property`
/// on top, their mean score below, one colour per run.
pub fn buffer_figure(curves: &[BufferCurve], property: &str) -> Picture {
    let legend_h = 20 + 14 * curves.len();
    let mut canvas = Canvas::new(WIDTH, 2 * PANEL_H + legend_h);
    let line = |k: usize, value: fn(&crate::curriculum::BufferPoint) -> Option<f64>| Line {
        colour: COLOURS[k % COLOURS.len()],
        stroke: Stroke::Solid,
        points: curves[k].points.iter().map(|p| (p.0, value(p))).collect(),
    };
    let properties: Vec<Line> = (0..curves.len()).map(|k| line(k, |p| p.1)).collect();
    let scores: Vec<Line> = (0..curves.len()).map(|k| line(k, |p| p.2)).collect();
    draw_panel(&mut canvas, 0, &format!("buffered levels: mean {property}"), &properties, None);
    draw_panel(&mut canvas, PANEL_H, "buffered levels: mean score", &scores, None);
    for (k, c) in curves.iter().enumerate() {
        let y = (2 * PANEL_H + 10 + 14 * k) as i64;
        for dy in 2..6 {
            canvas.line((MARGIN_L as i64, y + dy), (MARGIN_L as i64 + 24, y + dy), COLOURS[k % COLOURS.len()]);
        }
        canvas.text(MARGIN_L as i64 + 32, y, &c.name, INK);
    }
    canvas.pic
}

/// The learning-curve figure of `curves`: success rate on top, mean return below, legend last.
/// Runs that evaluated during training (`--eval-every`) also show their evaluations on the
/// training levels (dotted) and on held-out levels (dashed), Procgen's train and test curves.
pub fn learning_curves(curves: &[Curve], window: usize) -> Picture {
    let evaluated = curves.iter().any(|c| c.records.iter().any(|r| r.eval.is_some()));
    let legend_h = 20 + 14 * (curves.len() + usize::from(evaluated));
    let mut canvas = Canvas::new(WIDTH, 2 * PANEL_H + legend_h);
    let success = Metric {
        title: "success rate",
        episodes: |r| r.success_rate,
        split: |s| s.success_rate,
        fixed: Some((0.0, 1.0)),
    };
    let returns = Metric {
        title: "mean episode return",
        episodes: |r| r.episode_return_mean,
        split: |s| s.return_mean,
        fixed: None,
    };
    panel(&mut canvas, 0, curves, &success, window);
    panel(&mut canvas, PANEL_H, curves, &returns, window);
    let legend_x = MARGIN_L as i64;
    for (k, c) in curves.iter().enumerate() {
        let y = (2 * PANEL_H + 10 + 14 * k) as i64;
        let colour = COLOURS[k % COLOURS.len()];
        for dy in 2..6 {
            canvas.line((legend_x, y + dy), (legend_x + 24, y + dy), colour);
        }
        canvas.text(legend_x + 32, y, &c.name, INK);
    }
    if evaluated {
        let y = (2 * PANEL_H + 10 + 14 * curves.len()) as i64 + 4;
        let mut x = legend_x;
        for (stroke, name) in [
            (Stroke::Solid, "training episodes"),
            (Stroke::Dotted, "evaluation, training levels"),
            (Stroke::Dashed, "evaluation, held-out levels"),
        ] {
            canvas.stroke((x, y), (x + 40, y), INK, stroke, &mut 0);
            canvas.text(x + 48, y - 4, name, INK);
            x += 48 + 8 * name.len() as i64 + 32;
        }
    }
    canvas.pic
}

/// One panel of a score figure: series of points with 95% intervals over categories.
pub struct ScorePanel {
    /// Title.
    pub title: String,
    /// The categories along the x axis, in order (e.g. numbers of training levels).
    pub categories: Vec<String>,
    /// Lines: a name and, per category, its point or none.
    pub series: Vec<(String, Vec<Option<ScorePoint>>)>,
}

/// A value and its interval: `(value, low, high)`.
pub type ScorePoint = (f64, f64, f64);

/// Panels of scores in [0, 1] against categories, stacked: each series a colour (solid,
/// dashed, dotted in turn) with its intervals as vertical bars, named in each panel's corner.
pub fn score_figure(panels: &[ScorePanel]) -> Picture {
    let mut canvas = Canvas::new(WIDTH, PANEL_H * panels.len().max(1));
    for (k, p) in panels.iter().enumerate() {
        let top = k * PANEL_H;
        let (x0, x1) = (MARGIN_L as i64, (WIDTH - MARGIN_R) as i64);
        let (y0, y1) = ((top + MARGIN_T) as i64, (top + PANEL_H - MARGIN_B) as i64);
        let n = p.categories.len().max(1) as i64;
        let px = |i: usize| x0 + (x1 - x0) * (2 * i as i64 + 1) / (2 * n);
        let py = |y: f64| y1 - ((y.clamp(0.0, 1.0)) * (y1 - y0) as f64).round() as i64;
        for q in 0..=4 {
            let y = q as f64 / 4.0;
            canvas.line((x0, py(y)), (x1, py(y)), GRID);
            let text = label(y);
            canvas.text(x0 - 8 - 8 * text.len() as i64, py(y) - 4, &text, INK);
        }
        for (i, c) in p.categories.iter().enumerate() {
            canvas.text(px(i) - 4 * c.len() as i64, y1 + 8, c, INK);
        }
        canvas.line((x0, y0), (x0, y1), INK);
        canvas.line((x0, y1), (x1, y1), INK);
        canvas.text(x0, top as i64 + 10, &p.title, INK);
        let strokes = [Stroke::Solid, Stroke::Dashed, Stroke::Dotted];
        for (j, (name, points)) in p.series.iter().enumerate() {
            let (colour, stroke) = (COLOURS[j % COLOURS.len()], strokes[j % strokes.len()]);
            let present: Vec<(usize, f64, f64, f64)> =
                points.iter().enumerate().filter_map(|(i, v)| v.map(|(m, lo, hi)| (i, m, lo, hi))).collect();
            let mut drawn = 0;
            for pair in present.windows(2) {
                canvas.stroke(
                    (px(pair[0].0), py(pair[0].1)),
                    (px(pair[1].0), py(pair[1].1)),
                    colour,
                    stroke,
                    &mut drawn,
                );
            }
            for &(i, m, lo, hi) in &present {
                let x = px(i) + 3 * j as i64;
                canvas.line((x, py(lo)), (x, py(hi)), colour);
                canvas.line((x - 4, py(m)), (x + 4, py(m)), colour);
            }
            let ly = top as i64 + 10 + 12 * (j as i64 + 1);
            canvas.stroke((x1 - 200, ly + 4), (x1 - 170, ly + 4), colour, stroke, &mut 0);
            canvas.text(x1 - 162, ly, name, INK);
        }
    }
    canvas.pic
}

/// `pic` encoded as an 8-bit RGB PNG.
pub fn png_bytes(pic: &Picture) -> Result<Vec<u8>, AgentError> {
    let png_error = |e: &dyn std::fmt::Display| AgentError::Config(format!("png: {e}"));
    let side = |v: usize| u32::try_from(v).map_err(|_| png_error(&format!("picture side {v} does not fit a PNG")));
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, side(pic.width)?, side(pic.height)?);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| png_error(&e))?;
        writer.write_image_data(&pic.pixels).map_err(|e| png_error(&e))?;
        writer.finish().map_err(|e| png_error(&e))?;
    }
    Ok(bytes)
}

/// Writes `pic` as an 8-bit RGB PNG, atomically.
pub fn write_png(path: &Path, pic: &Picture) -> Result<(), AgentError> {
    Ok(crate::output::write_file(path, &png_bytes(pic)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_has_signature_and_size() {
        let picture = Picture { width: 3, height: 2, pixels: vec![200; 18] };
        let bytes = png_bytes(&picture).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 3);
        assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 2);
    }

    #[test]
    fn smoothing_averages_present_values_in_the_window() {
        let s = smooth(&[Some(1.0), None, Some(3.0), Some(5.0)], 3);
        assert_eq!(s, vec![Some(1.0), Some(2.0), Some(4.0), Some(4.0)]);
    }

    #[test]
    fn evaluated_runs_add_train_and_test_lines() {
        let record = |update: u64, eval: Option<f64>| {
            let stats = |rate: f64| crate::eval::SplitStats {
                levels: "l".into(),
                episodes: 10,
                return_mean: 10.0 * rate,
                return_ci95: 0.0,
                success_rate: rate,
                success_ci95: [rate, rate],
                length_mean: 5.0,
                length_ci95: 0.0,
            };
            UpdateRecord {
                update,
                global_step: 100 * update,
                time_s: update as f64,
                sps: 100.0,
                learning_rate: 1e-3,
                episodes: 1,
                episode_return_mean: Some(1.0),
                episode_length_mean: Some(5.0),
                success_rate: Some(0.5),
                stats: Default::default(),
                eval: eval.map(|rate| crate::periodic_eval::EvalPoint {
                    train: stats(rate),
                    test: stats(rate / 2.0),
                    time_s: 0.1,
                }),
                curriculum: None,
            }
        };
        let plain = Curve { name: "a".into(), records: vec![record(1, None), record(2, None)] };
        let evaluated =
            Curve { name: "b".into(), records: vec![record(1, Some(0.8)), record(2, None), record(3, Some(1.0))] };
        let metric = Metric { title: "s", episodes: |r| r.success_rate, split: |s| s.success_rate, fixed: None };
        let drawn = lines(&[plain, evaluated], &metric, 1);
        let strokes: Vec<Stroke> = drawn.iter().map(|l| l.stroke).collect();
        assert_eq!(strokes, [Stroke::Solid, Stroke::Solid, Stroke::Dotted, Stroke::Dashed]);
        assert_eq!(drawn[3].points, [(100.0, Some(0.4)), (300.0, Some(0.5))], "held-out points at evaluated updates");
        assert_eq!(drawn[2].colour, drawn[1].colour, "one colour per run");
        let with_legend = learning_curves(&[Curve { name: "b".into(), records: vec![record(1, Some(0.8))] }], 1);
        assert_eq!(with_legend.height, 2 * PANEL_H + 20 + 28, "a legend row for the strokes");
    }

    #[test]
    fn score_figures_stack_one_panel_per_game() {
        let panel = |t: &str| ScorePanel {
            title: t.into(),
            categories: vec!["10".into(), "unlimited".into()],
            series: vec![
                ("train".into(), vec![Some((0.9, 0.85, 0.95)), Some((0.5, 0.4, 0.6))]),
                ("test".into(), vec![None, Some((0.4, 0.3, 0.5))]),
            ],
        };
        let pic = score_figure(&[panel("maze"), panel("heist")]);
        assert_eq!((pic.width, pic.height), (WIDTH, 2 * PANEL_H));
        assert!(pic.pixels.chunks(3).any(|p| p == COLOURS[1]), "the second series is drawn");
    }

    #[test]
    fn labels_are_compact() {
        assert_eq!(label(1_500_000.0), "1.5M");
        assert_eq!(label(250_000.0), "250k");
        assert_eq!(label(0.75), "0.75");
    }
}
