"""ImageMagick 'captures' of a rendered card PNG: a flatbed scanner and a phone photo.
Every random choice comes from the caller's random.Random; ImageMagick's own noise
generators get an explicit -seed so the output reproduces."""
import math
import os
import subprocess

CONVERT = '/usr/local/bin/convert'
ENV = dict(os.environ, MAGICK_THREAD_LIMIT='1')


def im(args):
    subprocess.run(['nice', '-n', '19', CONVERT] + [str(a) for a in args], check=True, env=ENV)


def size_of(path):
    out = subprocess.run(['identify', '-format', '%w %h', path], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), int(out[1])


# ------------------------------------------------------------------ scanner
def scanner(src, dst, rng, tmp, glass='dark-glass'):
    """glass: 'dark-glass' or 'light-glass' (chosen per card by the caller)."""
    cw, ch = size_of(src)
    rot = round(rng.uniform(-2.0, 2.0), 1)
    w = int(round(cw * rng.uniform(0.85, 1.35)))
    h = int(round(w * ch / cw))
    q = rng.randint(85, 95)
    canvas_w = int(w * rng.uniform(1.22, 1.55))
    canvas_h = int(max(h * rng.uniform(1.25, 1.6), canvas_w * rng.uniform(0.62, 0.78)))
    # rotated bounding box
    a = math.radians(abs(rot))
    bw = w * math.cos(a) + h * math.sin(a)
    bh = w * math.sin(a) + h * math.cos(a)
    x = int(rng.uniform(0.25, 0.75) * (canvas_w - bw))
    y = int(rng.uniform(0.25, 0.75) * (canvas_h - bh))
    seed = rng.randrange(1, 10 ** 6)
    if glass == 'dark-glass':
        base = rng.choice(['#17181a', '#1c1c1e', '#222326', '#141414'])
        shadow = '30x2+1+1'
    else:
        base = rng.choice(['#d6d7d4', '#dcdcd9', '#e2e2df', '#e9e9e6'])
        shadow = '45x3+2+3'
    gain = rng.uniform(0.95, 1.05)
    blur = round(rng.uniform(0.3, 0.6), 2)
    im(['-size', '%dx%d' % (canvas_w, canvas_h), 'xc:' + base, '-seed', seed,
        '-attenuate', '0.35', '+noise', 'Gaussian',
        '(', src, '-alpha', 'set', '-resize', '%dx%d!' % (w, h), '-background', 'none', '-rotate', rot,
        '(', '+clone', '-background', 'black', '-shadow', shadow, ')', '+swap',
        '-background', 'none', '-layers', 'merge', '+repage', ')',
        '-geometry', '+%d+%d' % (x, y), '-compose', 'over', '-composite', '+geometry',
        '-evaluate', 'multiply', '%.3f' % gain, '-blur', '0x%s' % blur,
        '-seed', seed + 1, '-attenuate', '0.25', '+noise', 'Gaussian',
        '-strip', '-quality', q, dst])
    return 'scanner:%s,rot=%.1f,tilt=0.0/0.0,w=%d,q=%d,blur=%.2f' % (glass, rot, w, q, blur)


# ------------------------------------------------------------------ phone
def desk_texture(kind, fw, fh, rng, path, seed):
    if kind == 'wood':
        lo, hi = rng.choice([('#4a2f18', '#9c6a3c'), ('#5b3b22', '#b4804c'), ('#3b2614', '#7d5432')])
        im(['-size', '%dx%d' % (max(8, fw // 14), fh), 'xc:gray50', '-seed', seed, '-attenuate', '3',
            '+noise', 'Random', '-colorspace', 'gray', '-blur', '0x0.6', '-resize', '%dx%d!' % (fw, fh),
            '-swirl', rng.randint(-25, 25), '-auto-level', '+level-colors', '%s,%s' % (lo, hi), path])
    elif kind == 'cloth':
        lo, hi = rng.choice([('#23402a', '#4f7a55'), ('#1f2d48', '#4a5f86'), ('#4a2323', '#7d4747')])
        im(['-size', '%dx%d' % (fw, fh), 'xc:gray50', '-seed', seed, '-attenuate', '2.5',
            '+noise', 'Random', '-colorspace', 'gray', '-blur', '0x0.8', '-auto-level',
            '+level-colors', '%s,%s' % (lo, hi), path])
    elif kind == 'stone':
        im(['-size', '%dx%d' % (fw // 4, fh // 4), '-seed', seed, 'plasma:fractal', '-colorspace', 'gray',
            '-blur', '0x1', '-resize', '%dx%d!' % (fw, fh), '-auto-level', '+level-colors',
            rng.choice(['#6d6a66,#b9b5ae', '#55595e,#a9adb2', '#7a7468,#c8c0b0']),
            '-seed', seed + 1, '-attenuate', '0.6', '+noise', 'Gaussian', '-colorspace', 'sRGB',
            '-type', 'TrueColor', 'PNG24:' + path])
    else:  # 'desk': smooth laminate with a soft gradient and fine noise
        c1, c2 = rng.choice([('#b7bbc0', '#8d9196'), ('#d8d2c4', '#a9a294'), ('#c9c9c9', '#9a9a9a'),
                             ('#e2e0da', '#b4b1aa')])
        im(['-size', '%dx%d' % (fw, fh), 'xc:', '-sparse-color', 'Barycentric',
            '0,0 %s %d,%d %s' % (c1, fw, fh, c2), '-seed', seed, '-attenuate', '0.5', '+noise', 'Gaussian',
            '-blur', '0x0.7', path])


def project(cw, ch, rot, tx, ty, f=3.2):
    """Corners of the card after a tilt tx (about the vertical axis) and ty (about the horizontal
    axis), a pinhole projection with focal length f (in card half-widths) and an in-plane
    rotation rot (degrees). Units: card half-widths, centred."""
    hw, hh = 1.0, ch / cw
    out = []
    ax, ay, ar = math.radians(tx), math.radians(ty), math.radians(rot)
    for (x, y) in [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]:
        # rotate about y axis (tilt x)
        x1, z1 = x * math.cos(ax), x * math.sin(ax)
        # rotate about x axis (tilt y)
        y2, z2 = y * math.cos(ay), z1 + y * math.sin(ay)
        px, py = f * x1 / (f + z2), f * y2 / (f + z2)
        out.append((px * math.cos(ar) - py * math.sin(ar), px * math.sin(ar) + py * math.cos(ar)))
    return out


def phone(src, dst, rng, tmp):
    cw, ch = size_of(src)
    surface = rng.choice(['desk', 'wood', 'cloth', 'stone'])
    rot = round(rng.uniform(-10, 10), 1)
    tx, ty = round(rng.uniform(-6, 6), 1), round(rng.uniform(-6, 6), 1)
    fw = rng.choice([1400, 1600, 1800, 2000, 2200])
    fh = int(fw * rng.choice([0.75, 0.75, 0.5625]))
    fill = rng.uniform(0.5, 0.85)
    pts = project(cw, ch, rot, tx, ty)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    bw, bh = max(xs) - min(xs), max(ys) - min(ys)
    scale = fill * fw / bw
    if bh * scale > 0.92 * fh:
        scale = 0.92 * fh / bh
        fill = bw * scale / fw
    ox = rng.uniform(0.2, 0.8) * (fw - bw * scale) - min(xs) * scale
    oy = rng.uniform(0.2, 0.8) * (fh - bh * scale) - min(ys) * scale
    dst_pts = [(p[0] * scale + ox, p[1] * scale + oy) for p in pts]
    src_pts = [(0, 0), (cw, 0), (cw, ch), (0, ch)]
    cp = ' '.join('%d,%d %.1f,%.1f' % (s[0], s[1], d[0], d[1]) for s, d in zip(src_pts, dst_pts))
    w_nominal = int(round(2 * scale))       # card width in px before tilt
    q = rng.randint(70, 90)
    blur = round(rng.uniform(0.5, 1.3), 2)
    seed = rng.randrange(1, 10 ** 6)
    desk = os.path.join(tmp, 'desk.png')
    layer = os.path.join(tmp, 'layer.png')
    desk_texture(surface, fw, fh, rng, desk, seed)
    im([src, '-alpha', 'set', '-virtual-pixel', 'transparent', '-define', 'distort:viewport=%dx%d+0+0' % (fw, fh),
        '-distort', 'Perspective', cp, '+repage', layer])
    # glare: soft elliptical spot somewhere on the card, only on the card
    u, v = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)
    top = (dst_pts[0][0] * (1 - u) + dst_pts[1][0] * u, dst_pts[0][1] * (1 - u) + dst_pts[1][1] * u)
    bot = (dst_pts[3][0] * (1 - u) + dst_pts[2][0] * u, dst_pts[3][1] * (1 - u) + dst_pts[2][1] * u)
    gx, gy = top[0] * (1 - v) + bot[0] * v, top[1] * (1 - v) + bot[1] * v
    gr = int(w_nominal * rng.uniform(0.12, 0.3))
    gry = int(gr * rng.uniform(0.6, 1.0))
    glare = round(rng.uniform(0.35, 0.75), 2)
    # shadow gradient over the whole frame
    sdir = rng.uniform(0, 2 * math.pi)
    sx0, sy0 = fw / 2 - math.cos(sdir) * fw / 2, fh / 2 - math.sin(sdir) * fh / 2
    sx1, sy1 = fw / 2 + math.cos(sdir) * fw / 2, fh / 2 + math.sin(sdir) * fh / 2
    sgray = rng.randint(55, 85)
    shoff = (rng.randint(-18, 18), rng.randint(6, 26))
    im([desk, '-colorspace', 'sRGB', '-type', 'TrueColor',
        '(', layer, '-background', 'black', '-shadow', '55x%d%+d%+d' % (rng.randint(8, 18), shoff[0], shoff[1]), ')',
        layer, '-background', 'none', '-flatten',
        '(', '-size', '%dx%d' % (2 * gr, 2 * gry), 'radial-gradient:white-black',
        '-evaluate', 'multiply', glare,
        '(', '-size', '%dx%d' % (fw, fh), 'xc:black', ')', '+swap',
        '-geometry', '%+d%+d' % (int(gx - gr), int(gy - gry)), '-compose', 'over', '-composite', '+geometry',
        '(', layer, '-alpha', 'extract', ')', '-compose', 'multiply', '-composite', ')',
        '-compose', 'screen', '-composite',
        '(', '-size', '%dx%d' % (fw, fh), 'xc:', '-sparse-color', 'Barycentric',
        '%.0f,%.0f white %.0f,%.0f gray%d' % (sx0, sy0, sx1, sy1, sgray), ')',
        '-compose', 'multiply', '-composite',
        '-blur', '0x%s' % blur, '-seed', seed + 7, '-attenuate', '0.5', '+noise', 'Gaussian',
        '-strip', '-quality', q, dst])
    return ('phone:%s,rot=%.1f,tilt=%.1f/%.1f,w=%d,q=%d,fill=%.2f,blur=%.2f,glare=%.2f,shade=%d' %
            (surface, rot, tx, ty, w_nominal, q, fill, blur, glare, sgray))
