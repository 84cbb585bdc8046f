"""ICAO 9303 MRZ construction (TD1, TD2, TD3)."""
import unicodedata

TRANS = {'Ä': 'AE', 'Ö': 'OE', 'Ü': 'UE', 'ß': 'SS', 'Å': 'AA', 'Æ': 'AE', 'Ø': 'OE',
         'Ł': 'L', 'Ñ': 'N', 'Ğ': 'G', 'İ': 'I', 'Ş': 'S', 'Ç': 'C', 'Đ': 'D', 'Þ': 'TH'}


def translit(s):
    out = []
    for ch in s.upper():
        if ch in TRANS:
            out.append(TRANS[ch]); continue
        d = unicodedata.normalize('NFD', ch)
        d = ''.join(c for c in d if not unicodedata.combining(c))
        for c in d:
            if 'A' <= c <= 'Z' or '0' <= c <= '9':
                out.append(c)
            else:
                out.append('<')
    return ''.join(out)


def val(c):
    if c.isdigit():
        return int(c)
    if 'A' <= c <= 'Z':
        return ord(c) - 55
    return 0


def cd(s):
    w = (7, 3, 1)
    return str(sum(val(c) * w[i % 3] for i, c in enumerate(s)) % 10)


def pad(s, n):
    s = s[:n]
    return s + '<' * (n - len(s))


def name_field(last, first, n):
    l = translit(last).strip('<')
    f = translit(first).strip('<')
    s = l + '<<' + f if f else l
    # collapse runs introduced by punctuation
    while '<<<' in s:
        s = s.replace('<<<', '<<')
    return pad(s, n)


def ymd(d):  # d = 'dd.mm.yyyy' -> YYMMDD
    dd, mm, yy = d.split('.')
    return yy[2:] + mm + dd


def td3(code, state, last, first, docno, nat, dob, sex, exp, pers=''):
    l1 = pad(code, 2) + state + name_field(last, first, 39)
    dn = pad(docno, 9)
    pn = pad(translit(pers), 14)
    pcd = cd(pn) if pers else '<'
    parts = dn + cd(dn) + nat + ymd(dob) + cd(ymd(dob)) + sex + ymd(exp) + cd(ymd(exp)) + pn + pcd
    comp = (dn + cd(dn)) + (ymd(dob) + cd(ymd(dob))) + (ymd(exp) + cd(ymd(exp))) + pn + pcd
    l2 = parts + cd(comp)
    assert len(l1) == 44 and len(l2) == 44, (l1, l2)
    return [l1, l2]


def td2(code, state, last, first, docno, nat, dob, sex, exp, opt=''):
    l1 = pad(code, 2) + state + name_field(last, first, 31)
    dn = pad(docno, 9)
    op = pad(translit(opt), 7)
    l2 = dn + cd(dn) + nat + ymd(dob) + cd(ymd(dob)) + sex + ymd(exp) + cd(ymd(exp)) + op
    comp = dn + cd(dn) + ymd(dob) + cd(ymd(dob)) + ymd(exp) + cd(ymd(exp)) + op
    l2 += cd(comp)
    assert len(l1) == 36 and len(l2) == 36, (l1, l2)
    return [l1, l2]


def td1(code, state, last, first, docno, nat, dob, sex, exp, opt1='', opt2=''):
    dn = pad(docno, 9)
    l1 = pad(code, 2) + state + dn + cd(dn) + pad(translit(opt1), 15)
    l2 = ymd(dob) + cd(ymd(dob)) + sex + ymd(exp) + cd(ymd(exp)) + nat + pad(translit(opt2), 11)
    comp = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    l2 += cd(comp)
    l3 = name_field(last, first, 30)
    assert len(l1) == 30 and len(l2) == 30 and len(l3) == 30, (l1, l2, l3)
    return [l1, l2, l3]


if __name__ == '__main__':
    # ICAO 9303 part 4 example
    print(td3('P', 'UTO', 'Eriksson', 'Anna Maria', 'L898902C3', 'UTO', '12.08.1974', 'F', '15.04.2012', 'ZE184226B'))
    assert td3('P', 'UTO', 'Eriksson', 'Anna Maria', 'L898902C3', 'UTO', '12.08.1974', 'F', '15.04.2012', 'ZE184226B')[1] == 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'
    assert td1('I', 'UTO', 'Eriksson', 'Anna Maria', 'D23145890', 'UTO', '12.08.1974', 'F', '15.04.2012', '')[1][:29] == '7408122F1204159UTO<<<<<<<<<<<'
    print(td1('I', 'UTO', 'Eriksson', 'Anna Maria', 'D23145890', 'UTO', '12.08.1974', 'F', '15.04.2012', ''))
    print(td2('I', 'UTO', 'Eriksson', 'Anna Maria', 'D23145890', 'UTO', '12.08.1974', 'F', '15.04.2012', ''))
