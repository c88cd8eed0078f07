//! Learning curves as a PNG: success rate and mean episode return against env steps, one
//! line per run, from the runs' `metrics.jsonl` (smoothed by a moving average over updates).
//! Drawn with a tiny rasterizer and the public-domain font8x8 glyphs; no plotting stack.

use std::path::Path;

use ludica_envs::Picture;

use crate::error::AgentError;
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

    /// A 2-pixel-wide line (Bresenham).
    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), c: [u8; 3]) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            self.set(x, y, c);
            self.set(x, y + 1, c);
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

/// Draws one panel of `metric` against env steps for every curve.
fn panel(
    canvas: &mut Canvas,
    top: usize,
    title: &str,
    curves: &[Curve],
    metric: fn(&UpdateRecord) -> Option<f64>,
    window: usize,
    fixed: Option<(f64, f64)>,
) {
    let (x0, x1) = (MARGIN_L as i64, (WIDTH - MARGIN_R) as i64);
    let (y0, y1) = ((top + MARGIN_T) as i64, (top + PANEL_H - MARGIN_B) as i64);
    let series: Vec<Vec<(f64, Option<f64>)>> = curves
        .iter()
        .map(|c| {
            let ys = smooth(&c.records.iter().map(metric).collect::<Vec<_>>(), window);
            c.records.iter().map(|r| r.global_step as f64).zip(ys).collect()
        })
        .collect();
    let max_x = series.iter().flatten().map(|p| p.0).fold(1.0, f64::max);
    let values: Vec<f64> = series.iter().flatten().filter_map(|p| p.1).collect();
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
    for (k, points) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let present: Vec<(i64, i64)> =
            points.iter().filter_map(|(x, y)| y.map(|y| (px(*x), py(y.clamp(lo, hi))))).collect();
        for pair in present.windows(2) {
            canvas.line(pair[0], pair[1], colour);
        }
    }
}

/// The learning-curve figure of `curves`: success rate on top, mean return below, legend last.
pub fn learning_curves(curves: &[Curve], window: usize) -> Picture {
    let legend_h = 20 + 14 * curves.len();
    let mut canvas = Canvas::new(WIDTH, 2 * PANEL_H + legend_h);
    let title = format!("success rate (moving average over {window} updates)");
    panel(&mut canvas, 0, &title, curves, |r| r.success_rate, window, Some((0.0, 1.0)));
    let title = format!("mean episode return (moving average over {window} updates)");
    panel(&mut canvas, PANEL_H, &title, curves, |r| r.episode_return_mean, window, None);
    for (k, c) in curves.iter().enumerate() {
        let y = (2 * PANEL_H + 10 + 14 * k) as i64;
        let colour = COLOURS[k % COLOURS.len()];
        for dy in 2..6 {
            canvas.line((MARGIN_L as i64, y + dy), (MARGIN_L as i64 + 24, y + dy), colour);
        }
        canvas.text(MARGIN_L as i64 + 32, y, &c.name, INK);
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
    fn labels_are_compact() {
        assert_eq!(label(1_500_000.0), "1.5M");
        assert_eq!(label(250_000.0), "250k");
        assert_eq!(label(0.75), "0.75");
    }
}
