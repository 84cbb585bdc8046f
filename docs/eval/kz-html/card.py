"""HTML/CSS drawing of a kz-id-2014 card (front and back). Standard library only.

All geometry is in millimetres on an 85.6 x 54 mm card and converted to CSS pixels at
`ppm` pixels per millimetre.  Every block (emblem, header, photo, field column, IIN,
signature, ghost image, rosette, number, chip, MRZ ...) gets its own random shift of up to
+-3 % of the card (2.57 mm horizontally, 1.62 mm vertically); a few guards then keep blocks
from running into each other or off the card."""
import html
import math

CARD_W, CARD_H = 85.6, 54.0
SHIFT_X, SHIFT_Y = 0.03 * CARD_W, 0.03 * CARD_H

# name -> (css family, weight, stretch)
FONTS = {
    'dejavu': ("'DejaVu Sans'", 400, 'normal'),
    'dejavu-cond': ("'DejaVu Sans Condensed','DejaVu Sans'", 400, 'condensed'),
    'dejavu-cond-bold': ("'DejaVu Sans Condensed','DejaVu Sans'", 700, 'condensed'),
    'liberation': ("'Liberation Sans'", 400, 'normal'),
    'liberation-bold': ("'Liberation Sans'", 700, 'normal'),
    'noto': ("'Noto Sans'", 400, 'normal'),
    'noto-serif': ("'Noto Serif'", 400, 'normal'),
    'liberation-serif': ("'Liberation Serif'", 400, 'normal'),
}
LABEL_FONTS = ['dejavu', 'dejavu-cond', 'liberation', 'noto', 'noto-serif', 'liberation-serif']

BACKGROUNDS = {
    # name: (base css background, wave colour, rosette colour, micro-pattern colour)
    'sky': ('linear-gradient(100deg,#e3f1f6 0%,#f1f5e8 55%,#f8f0d6 100%)', '#5b9cc4', '#6aa6d0', '0,110,170'),
    'flag': ('linear-gradient(90deg,rgba(0,175,202,0.20),rgba(255,255,255,0.6) 55%,rgba(254,197,12,0.22)),#fbfcf8',
             '#3aa8c2', '#d8a420', '0,150,180'),
    'mint': ('linear-gradient(160deg,#e7f4ea 0%,#f5f6e7 70%,#eef4f1 100%)', '#69a884', '#5c9c84', '40,120,80'),
    'peach': ('radial-gradient(ellipse at 70% 40%,#fbeee0 0%,#f3f1ea 55%,#e8eef5 100%)', '#c99a74', '#b9896a', '170,100,60'),
    'lavender': ('linear-gradient(125deg,#ece8f6 0%,#f5f6fb 50%,#e9f1f8 100%)', '#8a86c4', '#7f7fc0', '90,80,160'),
    'sand': ('linear-gradient(75deg,#f6f0dc 0%,#eef3ee 60%,#dcebf3 100%)', '#b4a46a', '#5a93b8', '150,130,60'),
}

HEADER_BLUES = ['#0d5c99', '#10609c', '#134f86', '#0a6aa8', '#1d4f8c']
TITLE_COLS = ['#b3242c', '#a8323a', '#c0392b', '#1d4f8c', '#8c1f2a']
LABEL_COLS = ['#2b4e7e', '#34557f', '#3b4a63', '#2f5d7a', '#4a3f6b', '#505a66']
VALUE_COLS = ['#111111', '#1a1a1f', '#161c26', '#202020', '#0e1420']


def esc(s):
    return html.escape(s, quote=True)


class Ctx:
    def __init__(self, rng, ppm):
        self.rng, self.ppm = rng, ppm

    def px(self, mm):
        return '%.2fpx' % (mm * self.ppm)

    def shift(self, scale=1.0):
        r = self.rng
        return (r.uniform(-SHIFT_X, SHIFT_X) * scale, r.uniform(-SHIFT_Y, SHIFT_Y) * scale)


def font_css(name, size_px=None):
    fam, wt, st = FONTS[name]
    s = 'font-family:%s;font-weight:%d;font-stretch:%s;' % (fam, wt, st)
    if size_px is not None:
        s += 'font-size:%s;' % size_px
    return s


# ------------------------------------------------------------------ artwork (SVG)
def waves_svg(c, colour, n, amp, period, opacity):
    W, H = CARD_W * c.ppm, CARD_H * c.ppm
    paths = []
    ph0 = c.rng.uniform(0, 6.28)
    for i in range(n):
        y0 = (i + 0.5) * H / n
        a = amp * c.ppm * c.rng.uniform(0.7, 1.3)
        per = period * c.ppm
        ph = ph0 + i * c.rng.uniform(0.25, 0.45)
        pts = []
        x = -5.0
        while x <= W + 5:
            pts.append('%.1f,%.1f' % (x, y0 + a * math.sin(2 * math.pi * x / per + ph)
                                      + 0.35 * a * math.sin(2 * math.pi * x / (per * 0.37) + 2 * ph)))
            x += 6
        paths.append('<polyline points="%s"/>' % ' '.join(pts))
    return ('<svg class="abs" width="%.0f" height="%.0f" style="left:0;top:0" '
            'xmlns="http://www.w3.org/2000/svg"><g fill="none" stroke="%s" stroke-width="%.2f" '
            'opacity="%.2f">%s</g></svg>' % (W, H, colour, 0.09 * c.ppm, opacity, ''.join(paths)))


def rosette_svg(c, cx, cy, r, colour, opacity):
    """Guilloche-like rosette: rings r(t) = R + A sin(k t + phase)."""
    k = c.rng.choice([7, 8, 9, 11, 12])
    rings = c.rng.randint(9, 15)
    size = 2 * r * c.ppm * 1.25
    ctr = size / 2
    paths = []
    for i in range(rings):
        R = r * c.ppm * (0.45 + 0.55 * i / rings)
        A = r * c.ppm * c.rng.uniform(0.08, 0.16)
        ph = i * 0.22
        pts = []
        for j in range(361):
            t = 2 * math.pi * j / 360
            rr = R + A * math.sin(k * t + ph) + 0.3 * A * math.sin((2 * k + 1) * t)
            pts.append('%.1f,%.1f' % (ctr + rr * math.cos(t), ctr + rr * math.sin(t)))
        paths.append('<polyline points="%s"/>' % ' '.join(pts))
    return ('<svg class="abs" width="%.0f" height="%.0f" style="left:%s;top:%s" '
            'xmlns="http://www.w3.org/2000/svg"><g fill="none" stroke="%s" stroke-width="%.2f" '
            'opacity="%.2f">%s</g></svg>' % (size, size, '%.1fpx' % (cx * c.ppm - ctr),
                                             '%.1fpx' % (cy * c.ppm - ctr), colour, 0.08 * c.ppm, opacity,
                                             ''.join(paths)))


def emblem_svg(c, x, y, d):
    """Own emblem: gold ring, sky disc, sun with rays, small ornaments."""
    s = d * c.ppm
    m = s / 2
    rays = c.rng.choice([24, 28, 32])
    gold = c.rng.choice(['#d4a017', '#caa02a', '#e0b12c'])
    sky = c.rng.choice(['#4fa9d8', '#3c9fd0', '#5bb4dc'])
    parts = ['<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>' % (m, m, m * 0.98, gold),
             '<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>' % (m, m, m * 0.78, sky)]
    for i in range(rays):
        a = 2 * math.pi * i / rays
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.2f"/>' % (
            m + m * 0.22 * math.cos(a), m + m * 0.22 * math.sin(a),
            m + m * 0.7 * math.cos(a), m + m * 0.7 * math.sin(a), '#f3d36b', s * 0.022))
    parts.append('<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s" stroke="#f3d36b" stroke-width="%.1f"/>' % (
        m, m, m * 0.17, sky, s * 0.02))
    for i in range(12):
        a = 2 * math.pi * i / 12
        parts.append('<circle cx="%.1f" cy="%.1f" r="%.1f" fill="#fff3c4"/>' % (
            m + m * 0.88 * math.cos(a), m + m * 0.88 * math.sin(a), s * 0.018))
    return ('<svg class="abs" width="%.0f" height="%.0f" style="left:%s;top:%s" '
            'xmlns="http://www.w3.org/2000/svg">%s</svg>' % (s, s, c.px(x), c.px(y), ''.join(parts)))


def photo_svg(c, x, y, w, h, colour, opacity=1.0, extra_style=''):
    W, H = w * c.ppm, h * c.ppm
    r = c.rng
    if colour:
        bg = r.choice(['#dfe6ee', '#e8e4dc', '#d7e4ea', '#eceae4'])
        skin = r.choice(['#e8c3a0', '#d9ad86', '#f0cfb2', '#c99a72'])
        hair = r.choice(['#2b2119', '#4a3626', '#1c1c1c', '#6b4a2e'])
        cloth = r.choice(['#2f4a6d', '#6d2f3b', '#3d5a3a', '#333333', '#5a4a7a'])
    else:
        bg = r.choice(['#d9d9d9', '#e3e3e3', '#cfd3d6'])
        skin, hair, cloth = '#b8b8b8', '#555555', '#3f3f3f'
    hx, hy = W * r.uniform(0.46, 0.54), H * r.uniform(0.36, 0.42)
    hw, hh = W * r.uniform(0.19, 0.23), H * r.uniform(0.19, 0.22)
    parts = ['<rect width="%.1f" height="%.1f" fill="%s"/>' % (W, H, bg),
             '<ellipse cx="%.1f" cy="%.1f" rx="%.1f" ry="%.1f" fill="%s"/>' % (W / 2, H * 1.02, W * 0.52, H * 0.30, cloth),
             '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (hx - hw * 0.45, hy + hh * 0.6, hw * 0.9, H * 0.2, skin),
             '<ellipse cx="%.1f" cy="%.1f" rx="%.1f" ry="%.1f" fill="%s"/>' % (hx, hy - hh * 0.18, hw * 1.08, hh * 1.0, hair),
             '<ellipse cx="%.1f" cy="%.1f" rx="%.1f" ry="%.1f" fill="%s"/>' % (hx, hy + hh * 0.08, hw * 0.95, hh * 0.98, skin),
             '<circle cx="%.1f" cy="%.1f" r="%.1f" fill="#222"/>' % (hx - hw * 0.38, hy, W * 0.012),
             '<circle cx="%.1f" cy="%.1f" r="%.1f" fill="#222"/>' % (hx + hw * 0.38, hy, W * 0.012),
             '<path d="M%.1f %.1f Q%.1f %.1f %.1f %.1f" stroke="#7a3b3b" stroke-width="%.1f" fill="none"/>' % (
                 hx - hw * 0.3, hy + hh * 0.5, hx, hy + hh * 0.62, hx + hw * 0.3, hy + hh * 0.5, W * 0.01)]
    return ('<svg class="abs" width="%.0f" height="%.0f" style="left:%s;top:%s;opacity:%.2f;%s" '
            'xmlns="http://www.w3.org/2000/svg">%s</svg>' % (W, H, c.px(x), c.px(y), opacity, extra_style,
                                                            ''.join(parts)))


def signature_svg(c, x, y, w, h):
    W, H = w * c.ppm, h * c.ppm
    r = c.rng
    pts = [(W * 0.02, H * r.uniform(0.5, 0.8))]
    n = r.randint(4, 7)
    d = 'M%.1f %.1f' % pts[0]
    for i in range(1, n + 1):
        x1 = W * (i - 0.5) / n
        x2 = W * i / n
        d += ' Q%.1f %.1f %.1f %.1f' % (x1, H * r.uniform(-0.1, 0.5), x2, H * r.uniform(0.4, 0.95))
    d += ' M%.1f %.1f L%.1f %.1f' % (W * 0.05, H * 0.9, W * r.uniform(0.6, 0.95), H * r.uniform(0.8, 0.95))
    col = r.choice(['#1c2a6b', '#111111', '#22306e'])
    return ('<svg class="abs" width="%.0f" height="%.0f" style="left:%s;top:%s" '
            'xmlns="http://www.w3.org/2000/svg"><path d="%s" stroke="%s" stroke-width="%.1f" '
            'fill="none" stroke-linecap="round"/></svg>' % (W, H, c.px(x), c.px(y), d, col, 0.28 * c.ppm))


def chip_html(c, x, y, w, h):
    gold = c.rng.random() < 0.7
    fill = 'linear-gradient(135deg,#e0c07a,#b58c3c)' if gold else 'linear-gradient(135deg,#d2d4d6,#9a9ea3)'
    line = '#7d5f22' if gold else '#666a70'
    lw = max(1, 0.18 * c.ppm)
    return ('<div class="abs" style="left:%s;top:%s;width:%s;height:%s;border-radius:%s;background:%s;'
            'border:%.1fpx solid %s;box-sizing:border-box">'
            '<div class="abs" style="left:0;right:0;top:33%%;border-top:%.1fpx solid %s"></div>'
            '<div class="abs" style="left:0;right:0;top:66%%;border-top:%.1fpx solid %s"></div>'
            '<div class="abs" style="left:34%%;width:32%%;top:18%%;height:64%%;border:%.1fpx solid %s;'
            'border-radius:%s;background:rgba(255,255,255,0.08);box-sizing:border-box"></div></div>') % (
        c.px(x), c.px(y), c.px(w), c.px(h), c.px(1.3), fill, lw, line, lw, line, lw, line, lw, line, c.px(0.8))


# ------------------------------------------------------------------ text blocks
def field(c, label, value, x, y, st, maxw, vid, after=None):
    """label line then value line in one block placed at (x, y) mm; returns (html, height mm).
    maxw (mm) bounds both lines (the page script shrinks a font that is too wide); `after`
    names a block this one must start to the right of (moved by the page script)."""
    lab_px = st['lab_mm'] * c.ppm
    val_px = st['val_mm'] * c.ppm
    gap = st['gap_mm']
    h = ('<div class="abs blk" id="blk-%s" data-maxw="%.1f"%s style="left:%s;top:%s">'
         '<div class="lab fit" style="%s">%s</div>'
         '<div class="val fit" id="%s" style="margin-top:%s;%s">%s</div></div>') % (
        vid, maxw * c.ppm, (' data-after="blk-%s"' % after) if after else '', c.px(x), c.px(y),
        font_css(st['lab_font'], '%.2fpx' % lab_px), esc(label),
        vid, c.px(st['lab_mm'] * 0.05 + gap), font_css(st['val_font'], '%.2fpx' % val_px), esc(value))
    return h, st['lab_mm'] * 1.05 + gap + st['val_mm'] * 1.15


def lab(st, kk, ru):
    return kk + st['slash'] + ru


def page(c, body, bg, extra_css=''):
    W, H = CARD_W * c.ppm, CARD_H * c.ppm
    return '''<!DOCTYPE html><html><head><meta charset="utf-8"><style>
html,body{margin:0;padding:0;background:transparent;overflow:hidden}
.card{position:relative;width:%.0fpx;height:%.0fpx;border-radius:%s;overflow:hidden;background:%s}
.abs{position:absolute;white-space:nowrap;line-height:1.0}
.lab{color:%s} .val{color:%s}
%s
</style></head><body><div class="card">%s</div>
<script>
// blocks that must start right of another block (2 mm gap)
const CW = %.1f, MM = %.3f;
for (const e of document.querySelectorAll('.blk[data-after]')) {
  const o = document.getElementById(e.dataset.after);
  const r = o.getBoundingClientRect().right + 2 * MM;
  if (e.getBoundingClientRect().left < r) e.style.left = r + 'px';
}
// keep every line inside its block's width and inside the card: shrink the font if too wide
for (const b of document.querySelectorAll('.blk')) {
  const left = b.getBoundingClientRect().left;
  const maxw = Math.min(parseFloat(b.dataset.maxw), CW - 1.8 * MM - left);
  for (const e of b.querySelectorAll('.fit')) {
    e.style.display = 'inline-block';
    let fs = parseFloat(getComputedStyle(e).fontSize);
    while (e.getBoundingClientRect().width > maxw && fs > 6) { fs -= 0.5; e.style.fontSize = fs + 'px'; }
    e.style.display = 'block';
    e.style.width = 'max-content';
  }
}
// MRZ: exact pitch by letter-spacing
for (const e of document.querySelectorAll('.mrz')) {
  const target = parseFloat(e.dataset.w);
  e.style.letterSpacing = '0px';
  const w0 = e.getBoundingClientRect().width;
  e.style.letterSpacing = ((target - w0) / 30) + 'px';
}
</script></body></html>''' % (W, H, c.px(3.2), bg, c.style['lab_col'], c.style['val_col'], extra_css, body,
                                W, c.ppm)


def card_bg(c):
    base, wave, ros, micro = BACKGROUNDS[c.style['bg']]
    ang = c.rng.choice([30, 45, 60, 120, 135, 150])
    step = c.rng.uniform(3.0, 5.5)
    micro_css = ('repeating-linear-gradient(%ddeg,rgba(%s,0.045) 0px,rgba(%s,0.045) 1px,transparent 1px,'
                 'transparent %.1fpx),' % (ang, micro, micro, step))
    if c.rng.random() < 0.5:
        micro_css += ('repeating-radial-gradient(circle at %d%% %d%%,rgba(%s,0.035) 0px,rgba(%s,0.035) 1px,'
                      'transparent 1px,transparent %.1fpx),' % (c.rng.randint(20, 80), c.rng.randint(20, 80),
                                                                micro, micro, step * 1.6))
    return micro_css + base, wave, ros


# ------------------------------------------------------------------ front
def front(c, d):
    st = c.style
    r = c.rng
    bg, wave, ros = card_bg(c)
    out = [waves_svg(c, wave, r.randint(11, 18), r.uniform(0.7, 1.6), r.uniform(28, 50), r.uniform(0.35, 0.6))]
    layout = st['front_layout']
    sh = {k: c.shift() for k in ('emb', 'head', 'photo', 'col', 'iin', 'sig', 'ghost', 'ros')}

    # header block
    h1 = st['head_mm'] * r.uniform(0.97, 1.03)
    h2 = h1 * r.uniform(0.86, 0.95)
    h3 = h1 * r.uniform(0.74, 0.84)
    emb_d = r.uniform(10.0, 12.5)
    if layout == 'A':      # emblem top-left, header centred to its right
        ex, ey = 3.0, 2.2
        hx0, hx1 = ex + emb_d + 1.5, CARD_W - 2.5
        align = 'center'
    elif layout == 'B':    # header left-aligned, emblem top-right
        ex, ey = CARD_W - emb_d - 3.0, 2.2
        hx0, hx1 = 3.5, ex - 1.5
        align = 'left'
    else:                  # 'C': header centred over the whole card, emblem lower right
        ex, ey = CARD_W - emb_d - 4.0, 14.5
        hx0, hx1 = 3.0, CARD_W - 3.0
        align = 'center'
    ex += sh['emb'][0]; ey += sh['emb'][1]
    ex = min(max(ex, 1.2), CARD_W - emb_d - 1.2); ey = max(ey, 1.0)
    out.append('<div class="abs" style="left:%s;top:%s;opacity:%.2f">%s</div>' % (
        '0px', '0px', 1.0 if layout != 'C' else 0.85, emblem_svg(c, ex, ey, emb_d)))
    hy = 2.6 + sh['head'][1] * 0.6
    hdx = sh['head'][0]
    if layout == 'C':
        hy = 2.0 + abs(sh['head'][1]) * 0.5
    sep = r.choice([' \u2022 ', '  ', ' \u00b7 ', ' | '])
    two_line_title = r.random() < 0.25
    title = 'ЖЕКЕ КУӘЛІК' + sep + 'УДОСТОВЕРЕНИЕ ЛИЧНОСТИ' if not two_line_title else \
        'ЖЕКЕ КУӘЛІК<br>УДОСТОВЕРЕНИЕ ЛИЧНОСТИ'
    hfont = st['head_font']
    out.append(('<div class="abs" style="left:%s;width:%s;top:%s;text-align:%s;color:%s;%s">'
                '<div style="font-size:%.2fpx;font-weight:700;margin-bottom:%.1fpx">ҚАЗАҚСТАН РЕСПУБЛИКАСЫ</div>'
                '<div style="font-size:%.2fpx;font-weight:700;margin-bottom:%.1fpx">РЕСПУБЛИКА КАЗАХСТАН</div>'
                '<div style="font-size:%.2fpx;font-weight:400;color:%s;line-height:1.15">%s</div></div>') % (
        c.px(hx0 + hdx), c.px(hx1 - hx0), c.px(hy), align, st['head_col'],
        'font-family:%s;font-stretch:%s;' % (FONTS[hfont][0], FONTS[hfont][2]),
        h1 * c.ppm, 0.55 * c.ppm, h2 * c.ppm, 0.7 * c.ppm, h3 * c.ppm, st['title_col'], title))
    head_bottom = hy + h1 + h2 + (2 if two_line_title else 1) * h3 * 1.15 + 1.6

    # photo
    pw = r.uniform(20.0, 23.5)
    ph = pw * r.uniform(1.22, 1.32)
    px_ = 3.2 + sh['photo'][0] * 0.6
    px_ = max(px_, 1.5)
    py = max(head_bottom + 0.3, 15.0) + sh['photo'][1] * 0.5
    if layout == 'C':
        py = max(head_bottom + 0.5, py)
    iin_in_col = layout == 'C'
    lab_h = st['lab_mm'] * 1.05 + st['gap_mm']
    val_h = st['val_mm'] * 1.15
    if not iin_in_col:
        # IIN under the photo must end above the bottom edge
        iin_block = lab_h + val_h * 1.05
        max_ph = CARD_H - 1.6 - iin_block - 0.8 - py
        ph = min(ph, max_ph)
    else:
        ph = min(ph, CARD_H - 3.0 - py)
    photo_colour = st['photo'] == 'colour'
    out.append(photo_svg(c, px_, py, pw, ph, photo_colour, 1.0,
                         'border-radius:%s' % c.px(r.choice([0, 0.6, 1.2]))))

    # rosette
    rx = (60 if layout != 'C' else 52) + sh['ros'][0]
    ry = 31 + sh['ros'][1]
    out.insert(1, rosette_svg(c, rx, ry, r.uniform(9, 13), ros, r.uniform(0.45, 0.75)))

    # field column
    colx = px_ + pw + r.uniform(2.5, 4.5) + sh['col'][0] * 0.7
    colx = max(colx, px_ + pw + 1.8)
    coly = max(py - 0.6 + sh['col'][1] * 0.6, head_bottom)
    fields = [('ТЕГІ', 'ФАМИЛИЯ', d['last_name'], 'ln'), ('АТЫ', 'ИМЯ', d['first_name'], 'fn'),
              ('ӘКЕСІНІҢ АТЫ', 'ОТЧЕСТВО', d['patronymic'], 'pn'),
              ('ТУҒАН КҮНІ', 'ДАТА РОЖДЕНИЯ', d['date_of_birth'], 'db')]
    if iin_in_col:
        fields.append(('ЖСН', 'ИИН', d['personal_number'], 'iin'))
    # spacing so the column fits above the bottom edge
    block = lab_h + val_h
    avail = CARD_H - 2.0 - coly
    step = min(block + st['row_gap_mm'], (avail - block) / (len(fields) - 1))
    ghost_w = r.uniform(9.5, 11.5)
    ghost_x = CARD_W - ghost_w - 3.0 + sh['ghost'][0] * 0.4
    gh = ghost_w * 1.28
    gy = CARD_H - gh - 2.5 + sh['ghost'][1] * 0.4
    if layout == 'C':
        gy = max(gy, ey + emb_d + 1.5)
    for i, (kk, ru, val, vid) in enumerate(fields):
        fy = coly + i * step
        maxw = CARD_W - 2.5 - colx
        if fy + block > gy - 0.5:                       # row level with the ghost image
            maxw = ghost_x - 1.0 - colx
        if fy < ey + emb_d + 0.5 and ex > colx:         # row level with the emblem (layout C)
            maxw = min(maxw, ex - 1.0 - colx)
        h, _ = field(c, lab(st, kk, ru), val, colx, fy, st, maxw, vid)
        out.append(h)
    col_bottom = coly + (len(fields) - 1) * step + block

    if not iin_in_col:
        iy = py + ph + 0.8 + max(0, sh['iin'][1]) * 0.3
        ix = px_ + max(-1.0, min(1.5, sh['iin'][0] * 0.5))
        st2 = dict(st, val_mm=st['val_mm'] * r.uniform(1.0, 1.08))
        h, _ = field(c, lab(st, 'ЖСН', 'ИИН'), d['personal_number'], max(ix, 1.5), iy, st2,
                     colx - 1.0 - max(ix, 1.5) + 14, 'iin')
        out.append(h)

    # ghost image and signature
    out.append(photo_svg(c, ghost_x, gy, ghost_w, gh, False, r.uniform(0.35, 0.55),
                         'filter:grayscale(1) contrast(0.8)'))
    sw, shh = r.uniform(14, 19), r.uniform(4, 6)
    if iin_in_col:
        # signature under the photo, clear of the field column
        sx = px_ + r.uniform(0.5, 4.0)
        sy = py + ph + 0.6
        shh = min(shh, CARD_H - 1.2 - sy)
        sw = min(sw, colx - 1.0 - sx)
    else:
        sx = colx + r.uniform(8, 16) + sh['sig'][0] * 0.5
        sx = min(sx, ghost_x - sw - 1.0)
        sy = min(col_bottom - 0.8, CARD_H - 7.0) + abs(sh['sig'][1]) * 0.3
    if shh > 2.5:
        out.append(signature_svg(c, sx, sy, sw, shh))
    return page(c, ''.join(out), bg)


# ------------------------------------------------------------------ back
def back(c, d, mrz):
    st = c.style
    r = c.rng
    bg, wave, ros = card_bg(c)
    out = [waves_svg(c, wave, r.randint(10, 16), r.uniform(0.7, 1.6), r.uniform(28, 50), r.uniform(0.35, 0.6))]
    layout = st['back_layout']
    sh = {k: c.shift() for k in ('no', 'col', 'dates', 'chip', 'mrz', 'ros')}

    # MRZ zone geometry first (bottom of the card)
    mrz_fs = r.uniform(3.5, 4.1)          # OCR-B font size, mm
    mrz_w = r.uniform(73.0, 77.5)         # width of a 30-char line, mm
    pitch = mrz_fs * r.uniform(1.18, 1.32)
    mrz_h = 2 * pitch + mrz_fs
    mrz_bottom = CARD_H - r.uniform(2.2, 3.6) + min(0, sh['mrz'][1]) * 0.4
    mrz_top = mrz_bottom - mrz_h
    mx = (CARD_W - mrz_w) / 2 + sh['mrz'][0] * 0.6
    mx = min(max(mx, 2.5), CARD_W - mrz_w - 2.5)
    band_top = mrz_top - r.uniform(1.6, 2.6)
    band_col = r.choice(['rgba(255,255,255,0.82)', 'rgba(250,250,246,0.9)', 'rgba(238,244,246,0.85)',
                         'rgba(255,255,255,0.0)'])

    # rosette behind
    out.append(rosette_svg(c, 45 + sh['ros'][0], 22 + sh['ros'][1], r.uniform(8, 11.5), ros, r.uniform(0.4, 0.7)))
    out.append('<div class="abs" style="left:0;right:0;top:%s;bottom:0;background:%s"></div>' % (
        c.px(band_top), band_col))

    # document number
    nx = 3.6 + sh['no'][0] * 0.6
    nx = max(nx, 1.8)
    ny = 2.6 + abs(sh['no'][1]) * 0.6
    nfs = st['val_mm'] * r.uniform(1.0, 1.12)
    out.append(('<div class="abs" style="left:%s;top:%s"><span class="lab" style="%s">№</span>'
                '<span class="val" style="%smargin-left:%s">%s</span></div>') % (
        c.px(nx), c.px(ny), font_css(st['lab_font'], '%.2fpx' % (nfs * 1.02 * c.ppm)),
        font_css(st['num_font'], '%.2fpx' % (nfs * c.ppm)), c.px(r.uniform(0.8, 1.8)), esc(d['document_number'])))

    # chip
    cw, chh = r.uniform(10.0, 12.0), r.uniform(8.0, 9.2)
    if layout == 'A':
        chx, chy = CARD_W - cw - 4.5, 6.0
    else:
        chx, chy = CARD_W - cw - 5.5, 4.0
    chx += sh['chip'][0] * 0.6; chy += sh['chip'][1] * 0.6
    chx = min(chx, CARD_W - cw - 2.0); chy = max(chy, 2.0)
    out.append(chip_html(c, chx, chy, cw, chh))

    lab_h = st['lab_mm'] * 1.05 + st['gap_mm']
    val_h = st['val_mm'] * 1.15
    block = lab_h + val_h
    colx = max(3.6 + sh['col'][0] * 0.6, 1.8)
    coly = ny + nfs * 1.2 + r.uniform(1.6, 2.8) + sh['col'][1] * 0.3
    rows = 4
    step = min(block + st['row_gap_mm'], (band_top - 0.6 - coly - block) / (rows - 1))
    place = ('ТУҒАН ЖЕРІ', 'МЕСТО РОЖДЕНИЯ', d['place_of_birth'], 'pob')
    nat = ('ҰЛТЫ', 'НАЦИОНАЛЬНОСТЬ', d['nationality'], 'nat')
    auth = ('БЕРГЕН ОРГАН', 'ОРГАН ВЫДАЧИ', d['authority'], 'auth')
    issue = ('БЕРІЛГЕН КҮНІ', 'ДАТА ВЫДАЧИ', d['date_of_issue'], 'doi')
    if layout == 'A':
        # place, nationality, authority stacked; issue + expiry side by side on the last row
        left = [place, nat, auth, issue]
    else:
        # place, nationality, issue + expiry side by side, authority last
        left = [place, nat, issue, auth]
    date_row = left.index(issue)
    for i, (kk, ru, val, vid) in enumerate(left):
        fy = coly + i * step
        maxw = (chx - 1.5 - colx) if fy < chy + chh + 0.5 else (CARD_W - 3 - colx)
        out.append(field(c, lab(st, kk, ru), val, colx, fy, st, maxw, vid)[0])
    ex_ = colx + r.uniform(30, 38) + sh['dates'][0] * 0.4
    ey_ = coly + date_row * step + sh['dates'][1] * 0.15
    ey_ = min(max(ey_, chy + chh + 0.8), band_top - 0.6 - block)
    out.append(field(c, lab(st, 'ҚОЛДАНЫЛУ МЕРЗІМІ', 'СРОК ДЕЙСТВИЯ'), d['date_of_expiry'], ex_, ey_, st,
                     CARD_W - 2 - ex_, 'doe', after='doi')[0])

    # MRZ
    mrz_col = r.choice(['#111111', '#1b1b1b', '#0c0c14'])
    for i, line in enumerate(mrz):
        out.append('<div class="abs mrz" data-w="%.1f" style="left:%s;top:%s;font-family:\'OCR B\';'
                   'font-size:%.2fpx;color:%s">%s</div>' % (
                       mrz_w * c.ppm, c.px(mx), c.px(mrz_top + i * pitch - mrz_fs * 0.05), mrz_fs * c.ppm,
                       mrz_col, esc(line)))
    c.mrz_geom = dict(fs=round(mrz_fs, 2), w=round(mrz_w, 1))
    return page(c, ''.join(out), bg)
