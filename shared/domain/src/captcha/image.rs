//! Arithmetic captcha images.
//!
//! [`render_png`] draws a short question such as `9+8=?` into a small RGB PNG. There are no font
//! files: the glyphs are a hand-drawn 5x7 bitmap font, scaled about 3x and sampled through a
//! per-glyph rotation, shear and jitter plus a whole-line wave, with 3x3 supersampling so the
//! edges are smooth. Each glyph gets its own dark colour on a light gradient background. Noise
//! lines and curves (some behind the text, some across it) and speckle dots in varied colours make
//! simple threshold-and-template OCR unreliable while a person can still read the text easily.
//!
//! All randomness comes from the injected [`Random`], so a seeded source gives identical images:
//! one draw of 32 bytes per image seeds the image's own generator ([`Noise`]), which draws the
//! several hundred values of the noise in process. With the OS generator that is one `getrandom`
//! syscall per image instead of one per value.

use crate::ports::random::Random;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Width and height of every captcha image in pixels.
pub const WIDTH: u32 = 120;
pub const HEIGHT: u32 = 40;

const W: usize = WIDTH as usize;
const H: usize = HEIGHT as usize;

const GLYPH_W: usize = 5;
const GLYPH_H: usize = 7;

/// One glyph: `GLYPH_H` rows, the low `GLYPH_W` bits of each row, bit 4 the leftmost pixel.
type Glyph = [u8; GLYPH_H];

/// The bitmap for `c`, or `None` when `c` is not in the supported set.
fn glyph(c: char) -> Option<Glyph> {
    let rows = match c {
        '0' => [
            0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110,
        ],
        '1' => [
            0b00100, 0b01100, 0b10100, 0b00100, 0b00100, 0b00100, 0b11111,
        ],
        '2' => [
            0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111,
        ],
        '3' => [
            0b01110, 0b10001, 0b00001, 0b00110, 0b00001, 0b10001, 0b01110,
        ],
        '4' => [
            0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010,
        ],
        '5' => [
            0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110,
        ],
        '6' => [
            0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110,
        ],
        '7' => [
            0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000,
        ],
        '8' => [
            0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110,
        ],
        '9' => [
            0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100,
        ],
        '+' => [
            0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000,
        ],
        '-' => [
            0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000,
        ],
        '=' => [
            0b00000, 0b00000, 0b11111, 0b00000, 0b11111, 0b00000, 0b00000,
        ],
        '?' => [
            0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b00000, 0b00100,
        ],
        '×' => [
            0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b00000,
        ],
        _ => return None,
    };
    Some(rows)
}

/// Whether the glyph pixel at column `u`, row `v` (continuous coordinates) is set.
fn glyph_bit(g: &Glyph, u: f32, v: f32) -> bool {
    if !(0.0..GLYPH_W as f32).contains(&u) || !(0.0..GLYPH_H as f32).contains(&v) {
        return false;
    }
    let (col, row) = (u as usize, v as usize);
    (g[row] >> (GLYPH_W - 1 - col)) & 1 == 1
}

/// The noise source of one image: a ChaCha12 generator (`rand`'s `StdRng`) seeded once from the
/// injected [`Random`]. Cryptographic quality is more than noise needs, but it costs nanoseconds
/// per value and keeps the noise as unpredictable as before: the image does not reveal a state
/// from which the rest of its noise could be computed and removed.
struct Noise(StdRng);

impl Noise {
    fn new(rng: &dyn Random) -> Self {
        let mut seed = [0u8; 32];
        rng.fill(&mut seed);
        Self(StdRng::from_seed(seed))
    }

    /// A uniformly distributed integer in `0..n`. `n > 0`.
    fn below(&mut self, n: u32) -> u32 {
        self.0.random_range(0..n)
    }

    /// A uniformly distributed value in `lo..=hi` (to 1/10 000 of the range).
    fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.below(10_001) as f32 / 10_000.0
    }

    /// A uniformly distributed integer in `lo..=hi`.
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    /// A random colour with every channel in `lo..=hi`.
    fn colour(&mut self, lo: u32, hi: u32) -> [f32; 3] {
        [0; 3].map(|_: u8| self.between(lo, hi) as f32)
    }
}

/// Floating-point RGB pixels plus a scratch coverage mask for compositing.
struct Canvas {
    px: Vec<[f32; 3]>,
    mask: Vec<f32>,
}

impl Canvas {
    fn new() -> Self {
        Self {
            px: vec![[255.0; 3]; W * H],
            mask: vec![0.0; W * H],
        }
    }

    /// Marks an anti-aliased disc of radius `r` centred on `(x, y)` in the mask.
    fn stamp(&mut self, x: f32, y: f32, r: f32) {
        let y0 = (y - r - 1.0).floor().max(0.0) as usize;
        let y1 = ((y + r + 1.0).ceil().max(0.0) as usize).min(H - 1);
        let x0 = (x - r - 1.0).floor().max(0.0) as usize;
        let x1 = ((x + r + 1.0).ceil().max(0.0) as usize).min(W - 1);
        for iy in y0..=y1 {
            for ix in x0..=x1 {
                let d2 = (ix as f32 + 0.5 - x).powi(2) + (iy as f32 + 0.5 - y).powi(2);
                // Outside the disc's soft edge the coverage is 0: no square root needed.
                if d2 >= (r + 0.5) * (r + 0.5) {
                    continue;
                }
                let a = (r + 0.5 - d2.sqrt()).clamp(0.0, 1.0);
                let m = &mut self.mask[iy * W + ix];
                *m = m.max(a);
            }
        }
    }

    /// Marks a straight stroke of half-width `r` in the mask.
    fn segment(&mut self, (ax, ay): (f32, f32), (bx, by): (f32, f32), r: f32) {
        let len = ((bx - ax).powi(2) + (by - ay).powi(2)).sqrt();
        let steps = (len / 0.4).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let t = i as f32 / steps as f32;
            self.stamp(ax + (bx - ax) * t, ay + (by - ay) * t, r);
        }
    }

    /// Paints the mask in `c` with the given opacity, then clears the mask.
    fn composite(&mut self, c: [f32; 3], opacity: f32) {
        self.composite_rows(c, opacity, 0, H - 1);
    }

    /// [`Canvas::composite`] when the mask is clear outside rows `y0..=y1`.
    fn composite_rows(&mut self, c: [f32; 3], opacity: f32, y0: usize, y1: usize) {
        let rows = y0 * W..(y1 + 1) * W;
        for (p, m) in self.px[rows.clone()].iter_mut().zip(&mut self.mask[rows]) {
            let a = *m * opacity;
            if a > 0.0 {
                for ch in 0..3 {
                    p[ch] += (c[ch] - p[ch]) * a;
                }
            }
            *m = 0.0;
        }
    }

    fn to_rgb8(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(W * H * 3);
        for p in &self.px {
            // Rounds to the nearest value; `as` saturates, clamping to 0..=255.
            out.extend(p.map(|v| (v + 0.5) as u8));
        }
        out
    }
}

/// A light horizontal gradient between two random pale colours.
fn background(canvas: &mut Canvas, rng: &mut Noise) {
    let left = rng.colour(215, 252);
    let right = rng.colour(215, 252);
    for y in 0..H {
        for x in 0..W {
            let t = x as f32 / (W - 1) as f32;
            canvas.px[y * W + x] = [0, 1, 2].map(|ch| left[ch] + (right[ch] - left[ch]) * t);
        }
    }
}

/// A straight line from the left edge to the right edge, or a sine curve across the width.
fn noise_stroke(canvas: &mut Canvas, rng: &mut Noise, y_lo: f32, y_hi: f32, r: f32) {
    if rng.below(2) == 0 {
        let a = (rng.uniform(-4.0, 10.0), rng.uniform(y_lo, y_hi));
        let b = (
            rng.uniform(W as f32 - 10.0, W as f32 + 4.0),
            rng.uniform(y_lo, y_hi),
        );
        canvas.segment(a, b, r);
    } else {
        let base = rng.uniform(y_lo, y_hi);
        let amp = rng.uniform(3.0, 9.0);
        let period = rng.uniform(40.0, 110.0);
        let phase = rng.uniform(0.0, std::f32::consts::TAU);
        let x_start = rng.uniform(-4.0, 20.0);
        let x_end = rng.uniform(W as f32 - 20.0, W as f32 + 4.0);
        let mut x = x_start;
        while x <= x_end {
            let y = base + amp * (x / period * std::f32::consts::TAU + phase).sin();
            canvas.stamp(x, y, r);
            x += 0.4;
        }
    }
}

/// Sub-sample `sub` (0, 1 or 2) of pixel column (or row) `x`: the 3x3 supersampling grid.
fn sub_x(x: usize, sub: usize) -> f32 {
    x as f32 + sub as f32 / 3.0 + 1.0 / 6.0
}

/// Draws the glyphs with per-glyph jitter, rotation, shear and colour plus a shared wave.
fn draw_text(canvas: &mut Canvas, rng: &mut Noise, glyphs: &[(char, Glyph)]) {
    draw_glyphs(canvas, rng, glyphs, true);
}

/// [`draw_text`]; with `prune` false, every pixel of the image is sampled (the reference the
/// tests compare the pruned drawing with).
fn draw_glyphs(canvas: &mut Canvas, rng: &mut Noise, glyphs: &[(char, Glyph)], prune: bool) {
    if glyphs.is_empty() {
        return;
    }
    let n = glyphs.len() as f32;
    let advance = ((W as f32 - 8.0) / n).min(19.0);
    let scale_x = (advance / 6.0).min(3.0);
    let wave_amp = rng.uniform(0.8, 2.2);
    let wave_period = rng.uniform(30.0, 70.0);
    let wave_phase = rng.uniform(0.0, std::f32::consts::TAU);
    let first_centre = (W as f32 - advance * n) / 2.0 + advance / 2.0;
    // The wave depends only on a sub-sample's x: one sine per sub-sample column of the image,
    // not one per sub-sample of every glyph's box.
    let wave: Vec<f32> = (0..W * 3)
        .map(|col| {
            let px = sub_x(col / 3, col % 3);
            wave_amp * (px / wave_period * std::f32::consts::TAU + wave_phase).sin()
        })
        .collect();

    for (i, (c, g)) in glyphs.iter().enumerate() {
        let centre = (first_centre + i as f32 * advance, scale_x);
        let placed = Placement::draw(rng, *c, centre, wave_amp, prune);
        placed.sample(canvas, g, &wave, prune);
        canvas.composite_rows(rng.colour(0, 95), 1.0, placed.y0, placed.y1);
    }
}

/// Where one glyph lands: its centre, the affine map from image to glyph coordinates, the
/// margins a sub-sample can reach, and the pixels it can touch.
struct Placement {
    cx: f32,
    cy: f32,
    /// u = ux·dx + uy·dy + hw and v = vx·dx + vy·dy + hh (see [`Placement::draw`]).
    ux: f32,
    uy: f32,
    vx: f32,
    vy: f32,
    hw: f32,
    hh: f32,
    mu: f32,
    mv: f32,
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

/// The pixels whose centres can fall within the glyph widened by `margin` (glyph units): the
/// corners of the widened glyph mapped back to the image (the inverse of [`Placement`]'s map:
/// scale `sx`, `sy`, shear, rotation by `sin`/`cos`), then the wave's reach up and down.
fn pixel_box(
    (cx, cy): (f32, f32),
    (hw, hh): (f32, f32),
    (sx, sy, shear, sin, cos): (f32, f32, f32, f32, f32),
    (mu, mv): (f32, f32),
    wave_amp: f32,
) -> (usize, usize, usize, usize) {
    let (mut lo, mut hi) = ((f32::MAX, f32::MAX), (f32::MIN, f32::MIN));
    for (u, v) in [(-mu, -mv), (2.0 * hw + mu, -mv), (-mu, 2.0 * hh + mv)]
        .into_iter()
        .chain([(2.0 * hw + mu, 2.0 * hh + mv)])
    {
        let ry = (v - hh) * sy;
        let rx = (u - hw + shear * (v - hh)) * sx;
        let (dx, dy) = (cos * rx - sin * ry, sin * rx + cos * ry);
        lo = (lo.0.min(dx), lo.1.min(dy));
        hi = (hi.0.max(dx), hi.1.max(dy));
    }
    let x0 = (cx + lo.0 - 0.5).floor().max(0.0) as usize;
    let x1 = ((cx + hi.0 - 0.5).ceil().max(0.0) as usize).min(W - 1);
    let y0 = (cy + lo.1 - wave_amp - 0.5).floor().max(0.0) as usize;
    let y1 = ((cy + hi.1 + wave_amp - 0.5).ceil().max(0.0) as usize).min(H - 1);
    (x0, y0, x1, y1)
}

impl Placement {
    /// Draws the glyph's jitter, scale, rotation and shear for the glyph `c` whose slot is centred
    /// at `slot.0` with horizontal scale `slot.1`.
    fn draw(rng: &mut Noise, c: char, slot: (f32, f32), wave_amp: f32, prune: bool) -> Self {
        let cx = slot.0 + rng.uniform(-1.5, 1.5);
        let cy = H as f32 / 2.0 + rng.uniform(-3.0, 3.0);
        let sx = slot.1 * rng.uniform(0.9, 1.05);
        let sy = rng.uniform(3.0, 3.5);
        // Operators tilt less: a steep `-` reads like `/`, a steep `+` like `×`.
        let max_angle = if c.is_ascii_digit() || c == '?' {
            0.2
        } else {
            0.08
        };
        let angle = rng.uniform(-max_angle, max_angle);
        let shear = rng.uniform(-0.25, 0.25);
        let (sin, cos) = angle.sin_cos();

        // Glyph coordinates (u across, v down) of an image point at (dx, dy) from the glyph's
        // centre after the wave: rotate by -angle, scale, undo the shear; affine, so
        // u = ux·dx + uy·dy + hw and v = vx·dx + vy·dy + hh.
        let (hw, hh) = (GLYPH_W as f32 / 2.0, GLYPH_H as f32 / 2.0);
        let (vx, vy) = (-sin / sy, cos / sy);
        let (ux, uy) = (cos / sx - shear * vx, sin / sx - shear * vy);
        // A pixel's sub-samples lie within 0.6 px of its centre (a third of a pixel each way
        // plus the wave's change over a third of a pixel, at most 0.16 px). In glyph units that
        // is at most `mu` across and `mv` down: a pixel whose centre is farther than that outside
        // the glyph has no hit, and its nine samples are skipped.
        let mv = 0.6 / sy + 0.05;
        let mu = 0.6 / sx + shear.abs() * mv + 0.05;
        let (x0, y0, x1, y1) = if prune {
            pixel_box(
                (cx, cy),
                (hw, hh),
                (sx, sy, shear, sin, cos),
                (mu, mv),
                wave_amp,
            )
        } else {
            (0, 0, W - 1, H - 1)
        };
        Placement {
            cx,
            cy,
            ux,
            uy,
            vx,
            vy,
            hw,
            hh,
            mu,
            mv,
            x0,
            y0,
            x1,
            y1,
        }
    }

    /// The glyph coordinates of the image point at (dx, dy) from the centre.
    fn to_glyph(&self, dx: f32, dy: f32) -> (f32, f32) {
        let u = self.ux * dx + self.uy * dy + self.hw;
        let v = self.vx * dx + self.vy * dy + self.hh;
        (u, v)
    }

    /// Covers each pixel of the box by the share of its nine sub-samples inside the glyph.
    fn sample(&self, canvas: &mut Canvas, g: &Glyph, wave: &[f32], prune: bool) {
        let (w, h) = (2.0 * self.hw, 2.0 * self.hh);
        for y in self.y0..=self.y1 {
            for x in self.x0..=self.x1 {
                let wave = &wave[x * 3..x * 3 + 3];
                let (dx, dy) = (x as f32 + 0.5 - self.cx, y as f32 + 0.5 - wave[1] - self.cy);
                let (u, v) = self.to_glyph(dx, dy);
                if prune
                    && (!(-self.mu..w + self.mu).contains(&u)
                        || !(-self.mv..h + self.mv).contains(&v))
                {
                    continue;
                }
                let mut hits = 0u32;
                for (col, wv) in wave.iter().enumerate() {
                    let dx = sub_x(x, col) - self.cx;
                    for row in 0..3 {
                        let (u, v) = self.to_glyph(dx, sub_x(y, row) - wv - self.cy);
                        hits += u32::from(glyph_bit(g, u, v));
                    }
                }
                if hits > 0 {
                    canvas.mask[y * W + x] = hits as f32 / 9.0;
                }
            }
        }
    }
}

/// Renders `text` as a noisy PNG. Panics only on characters outside the supported set (a
/// programming error).
pub fn render_png(text: &str, rng: &dyn Random) -> Vec<u8> {
    let glyphs: Vec<(char, Glyph)> = text
        .chars()
        .map(|c| match glyph(c) {
            Some(g) => (c, g),
            None => panic!("captcha_image: unsupported character {c:?}"),
        })
        .collect();

    let rng = &mut Noise::new(rng);
    let mut canvas = Canvas::new();
    background(&mut canvas, rng);

    // Behind the text: a few mid-tone strokes anywhere.
    for _ in 0..rng.between(2, 3) {
        let width = rng.uniform(0.4, 0.8);
        noise_stroke(&mut canvas, rng, 2.0, H as f32 - 2.0, width);
        canvas.composite(rng.colour(90, 200), rng.uniform(0.5, 0.9));
    }

    draw_text(&mut canvas, rng, &glyphs);

    // Across the text: strokes in text-like colours through the text band, clearly thinner than
    // the ~3 px glyph strokes so a person can tell them apart (notably from `-` and `=`).
    for _ in 0..2 {
        let width = rng.uniform(0.3, 0.5);
        noise_stroke(&mut canvas, rng, 11.0, H as f32 - 11.0, width);
        canvas.composite(rng.colour(30, 130), rng.uniform(0.8, 1.0));
    }

    // Speckle: single pixels of random colour, light and dark.
    for _ in 0..rng.between(150, 220) {
        let i = rng.below((W * H) as u32) as usize;
        canvas.px[i] = rng.colour(0, 255);
    }

    encode(&canvas.to_rgb8())
}

fn encode(pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * 1024);
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Speed over size: `Fast` (fdeflate) with the Paeth filter encodes in ~0.15 ms into ~6.9 KB;
    // `Best` with the default Sub filter took ~1.3 ms for ~5.1 KB, more than the drawing.
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Paeth);
    let mut writer = encoder
        .write_header()
        .expect("writing a PNG header to memory cannot fail");
    writer
        .write_image_data(pixels)
        .expect("writing PNG data of the right size to memory cannot fail");
    writer
        .finish()
        .expect("finishing a PNG in memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::random::SeededRandom;

    const SUPPORTED: &str = "0123456789+-=?×";

    /// Decodes `bytes`, checking the signature and format; returns the RGB pixels.
    fn decode(bytes: &[u8]) -> Vec<u8> {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        let decoder = png::Decoder::new(bytes);
        let mut reader = decoder.read_info().expect("valid PNG header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("valid PNG data");
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buf.truncate(info.buffer_size());
        assert_eq!(buf.len(), W * H * 3);
        buf
    }

    fn luminances(pixels: &[u8]) -> Vec<u32> {
        pixels
            .chunks_exact(3)
            .map(|p| (299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32) / 1000)
            .collect()
    }

    #[test]
    fn decodes_as_a_120x40_rgb_png() {
        let r: &dyn Random = &SeededRandom::new(1);
        let png = render_png("9+8=?", r);
        decode(&png);
        assert!(png.len() < 16 * 1024, "PNG is {} bytes", png.len());
    }

    #[test]
    fn is_not_blank() {
        let r: &dyn Random = &SeededRandom::new(2);
        let lum = luminances(&decode(&render_png("7-3=?", r)));
        let dark = lum.iter().filter(|l| **l < 100).count();
        let light = lum.iter().filter(|l| **l > 200).count();
        // Five glyphs at ~3x scale cover well over 300 pixels; most of the image is background.
        assert!(dark > 300, "only {dark} dark pixels");
        assert!(light > W * H / 2, "only {light} light pixels");
    }

    #[test]
    fn different_texts_or_rngs_give_different_images() {
        let a = render_png("9+8=?", &SeededRandom::new(3) as &dyn Random);
        let b = render_png("9+6=?", &SeededRandom::new(3) as &dyn Random);
        let c = render_png("9+8=?", &SeededRandom::new(4) as &dyn Random);
        assert_ne!(decode(&a), decode(&b));
        assert_ne!(decode(&a), decode(&c));
    }

    #[test]
    fn same_seed_gives_the_same_image() {
        let a = render_png("4×5=?", &SeededRandom::new(5) as &dyn Random);
        let b = render_png("4×5=?", &SeededRandom::new(5) as &dyn Random);
        assert_eq!(a, b);
    }

    #[test]
    fn every_supported_character_renders() {
        let r: &dyn Random = &SeededRandom::new(6);
        for c in SUPPORTED.chars() {
            assert!(glyph(c).is_some_and(|g| g.iter().any(|row| *row != 0)));
            decode(&render_png(&c.to_string(), r));
        }
        decode(&render_png(SUPPORTED, r));
        decode(&render_png("", r));
    }

    #[test]
    fn every_glyph_draws_dark_pixels() {
        let r: &dyn Random = &SeededRandom::new(8);
        for c in SUPPORTED.chars() {
            let mut canvas = Canvas::new();
            draw_text(&mut canvas, &mut Noise::new(r), &[(c, glyph(c).unwrap())]);
            let lum = luminances(&canvas.to_rgb8());
            let dark = lum.iter().filter(|l| **l < 150).count();
            // The smallest glyph ('-') is one 5-pixel row: about 15x3 pixels at 3x scale.
            assert!(dark >= 30, "{c:?} drew only {dark} dark pixels");
        }
    }

    #[test]
    fn pruned_glyph_drawing_equals_sampling_every_pixel() {
        let texts = [
            "9+8=?",
            "12×3=?",
            "7-3=?",
            "0",
            SUPPORTED,
            "88888888888888888888",
        ];
        for seed in 0..10 {
            for text in texts {
                let glyphs: Vec<_> = text.chars().map(|c| (c, glyph(c).unwrap())).collect();
                let draw = |prune| {
                    let mut canvas = Canvas::new();
                    let rng = &mut Noise::new(&SeededRandom::new(seed));
                    draw_glyphs(&mut canvas, rng, &glyphs, prune);
                    canvas.to_rgb8()
                };
                assert!(draw(true) == draw(false), "seed {seed}, {text:?}");
            }
        }
    }

    #[test]
    fn one_draw_from_the_injected_random_per_image() {
        struct Counting(SeededRandom, std::sync::atomic::AtomicUsize);
        impl Random for Counting {
            fn fill(&self, buf: &mut [u8]) {
                self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.0.fill(buf);
            }
        }
        let r = Counting(SeededRandom::new(10), Default::default());
        for text in ["9+8=?", "12×3=?", ""] {
            let before = r.1.load(std::sync::atomic::Ordering::Relaxed);
            render_png(text, &r);
            assert_eq!(r.1.load(std::sync::atomic::Ordering::Relaxed), before + 1);
        }
    }

    #[test]
    #[should_panic(expected = "unsupported character")]
    fn unsupported_character_panics() {
        render_png("a+b=?", &SeededRandom::new(9) as &dyn Random);
    }
}
