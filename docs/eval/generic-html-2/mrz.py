"""ICAO 9303 MRZ construction (TD1, TD2, TD3)."""
import unicodedata

TRANS = {'Ä': 'AE', 'Ö': 'OE', 'Ü': 'UE', 'ß': 'SS', 'Å': 'AA', 'Æ': 'AE', 'Ø': 'OE',
         'Ł': 'L', 'Ñ': 'N', 'Ğ': 'G', 'İ': 'I', 'Ş': 'S', 'Ç': 'C', 'Đ': 'D', 'Þ': 'TH',
         # added for the gh2 set (ICAO 9303 part 3, table of multinational Latin characters):
         # letters whose stroke/ligature does not decompose under NFD, and the apostrophe, which is omitted
         'Ð': 'D', 'Ħ': 'H', 'Œ': 'OE', 'Ŀ': 'L', 'Ŋ': 'N', 'Ŧ': 'T', 'Ĳ': 'IJ', "'": '', '\u2019': ''}
# Ä/Ö/Ü/Å have two permitted forms in part 3 (AE or A, ...); a state that drops the diacritic passes this:
DROP_UMLAUT = {'Ä': 'A', 'Ö': 'O', 'Ü': 'U', 'Å': 'A'}


def translit(s, over=None):
    out = []
    for ch in s.upper():
        if over and ch in over:
            out.append(over[ch]); continue
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


def name_field(last, first, n, over=None):
    l = translit(last, over).strip('<')
    f = translit(first, over).strip('<')
    s = l + '<<' + f if f else l
    # collapse runs introduced by punctuation
    while '<<<' in s:
        s = s.replace('<<<', '<<')
    return pad(s, n)


def ymd(d):  # d = 'dd.mm.yyyy' -> YYMMDD
    dd, mm, yy = d.split('.')
    return yy[2:] + mm + dd


def td3(code, state, last, first, docno, nat, dob, sex, exp, pers='', over=None):
    l1 = pad(code, 2) + state + name_field(last, first, 39, over)
    dn = pad(docno, 9)
    pn = pad(translit(pers), 14)
    pcd = cd(pn) if pers else '<'
    parts = dn + cd(dn) + nat + ymd(dob) + cd(ymd(dob)) + sex + ymd(exp) + cd(ymd(exp)) + pn + pcd
    comp = (dn + cd(dn)) + (ymd(dob) + cd(ymd(dob))) + (ymd(exp) + cd(ymd(exp))) + pn + pcd
    l2 = parts + cd(comp)
    assert len(l1) == 44 and len(l2) == 44, (l1, l2)
    return [l1, l2]


def td2(code, state, last, first, docno, nat, dob, sex, exp, opt='', over=None):
    l1 = pad(code, 2) + state + name_field(last, first, 31, over)
    dn = pad(docno, 9)
    op = pad(translit(opt), 7)
    l2 = dn + cd(dn) + nat + ymd(dob) + cd(ymd(dob)) + sex + ymd(exp) + cd(ymd(exp)) + op
    comp = dn + cd(dn) + ymd(dob) + cd(ymd(dob)) + ymd(exp) + cd(ymd(exp)) + op
    l2 += cd(comp)
    assert len(l1) == 36 and len(l2) == 36, (l1, l2)
    return [l1, l2]


def td1(code, state, last, first, docno, nat, dob, sex, exp, opt1='', opt2='', over=None):
    dn = pad(docno, 9)
    l1 = pad(code, 2) + state + dn + cd(dn) + pad(translit(opt1), 15)
    l2 = ymd(dob) + cd(ymd(dob)) + sex + ymd(exp) + cd(ymd(exp)) + nat + pad(translit(opt2), 11)
    comp = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    l2 += cd(comp)
    l3 = name_field(last, first, 30, over)
    assert len(l1) == 30 and len(l2) == 30 and len(l3) == 30, (l1, l2, l3)
    return [l1, l2, l3]


if __name__ == '__main__':
    # ICAO 9303 part 4 example
    print(td3('P', 'UTO', 'Eriksson', 'Anna Maria', 'L898902C3', 'UTO', '12.08.1974', 'F', '15.04.2012', 'ZE184226B'))
    assert td3('P', 'UTO', 'Eriksson', 'Anna Maria', 'L898902C3', 'UTO', '12.08.1974', 'F', '15.04.2012', 'ZE184226B')[1] == 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'
    assert td1('I', 'UTO', 'Eriksson', 'Anna Maria', 'D23145890', 'UTO', '12.08.1974', 'F', '15.04.2012', '')[1][:29] == '7408122F1204159UTO<<<<<<<<<<<'
    print(td1('I', 'UTO', 'Eriksson', 'Anna Maria', 'D23145890', 'UTO', '12.08.1974', 'F', '15.04.2012', ''))
    print(td2('I', 'UTO', 'Eriksson', 'Anna Maria', 'D23145890', 'UTO', '12.08.1974', 'F', '15.04.2012', ''))
    # gh2 additions: letters of the new states' names
    assert translit('GUÐRÚN ÞÓRA') == 'GUDRUN<THORA'
    assert translit('BUĦAĠIAR') == 'BUHAGIAR' and translit('ĠUŻEPPI') == 'GUZEPPI' and translit('ĦAMRUN') == 'HAMRUN'
    assert translit("O'CONNOR") == 'OCONNOR' and translit('Ó SÚILLEABHÁIN') == 'O<SUILLEABHAIN'
    assert translit('PARATA-WALKER') == 'PARATA<WALKER'
    assert translit('ĐURĐEVIĆ') == 'DURDEVIC' and translit('ĆORIĆ') == 'CORIC' and translit('ŽUPANČIČ') == 'ZUPANCIC'
    assert translit('DVOŘÁKOVÁ') == 'DVORAKOVA' and translit('KOVÁČOVÁ') == 'KOVACOVA' and translit('ĽUBICA') == 'LUBICA'
    assert translit('BĒRZIŅŠ') == 'BERZINS' and translit('KRIŠJĀNIS') == 'KRISJANIS' and translit('LIEPĀJA') == 'LIEPAJA'
    assert translit('KAZLAUSKIENĖ') == 'KAZLAUSKIENE' and translit('RŪTA') == 'RUTA' and translit('ŽEMAITIS') == 'ZEMAITIS'
    assert translit('ȚURCANU') == 'TURCANU' and translit('CĂTĂLINA') == 'CATALINA' and translit('ŞTEFAN') == 'STEFAN'
    assert translit('ÇELA') == 'CELA' and translit('ARBËR') == 'ARBER' and translit('NOËLLE') == 'NOELLE'
    assert translit('SZŐKE') == 'SZOKE' and translit('TÜNDE', DROP_UMLAUT) == 'TUNDE' and translit('TÜNDE') == 'TUENDE'
    assert translit('PÕLDMÄE', DROP_UMLAUT) == 'POLDMAE' and translit('PÕLDMÄE') == 'POLDMAEE'
    assert translit('SØRENSEN') == 'SOERENSEN' and translit('ÅSA') == 'AASA' and translit('BJØRN') == 'BJOERN'
    assert translit('KÄRKKÄINEN') == 'KAERKKAEINEN' and translit('LJUNGSTRÖM') == 'LJUNGSTROEM'
    assert translit('GONÇALVES') == 'GONCALVES' and translit('JOÃO') == 'JOAO' and translit('NÚÑEZ LEÓN') == 'NUNEZ<LEON'
    assert translit('GRÜNBERGER') == 'GRUENBERGER' and translit('MATTHÄUS') == 'MATTHAEUS' and translit('BÜCHEL') == 'BUECHEL'
    assert translit('ÉLODIE') == 'ELODIE' and translit('IBÁÑEZ') == 'IBANEZ' and translit('MUÑOZ ROJAS') == 'MUNOZ<ROJAS'
    for ch in 'ÁÉÍÓÚÝČĎĚŇŘŠŤŮŽĽĹŔÔÄÕÖÜĀĒĪŪĢĶĻŅĖĮŲȘȚŞŢĂÂÎĆĐÇËŻĊĠĦÑÃÊÅØÆÞÐŐŰ':
        assert translit(ch).isalpha() and translit(ch).isascii(), ch
    print(td1('ID', 'EST', 'PÕLDMÄE', 'KRISTJAN', 'AC4817263', 'EST', '09.02.1989', 'M', '14.03.2027', '38902094237', '', DROP_UMLAUT))
    print('self-check ok')
