8
e-20
fuzz-ketenc-3001"
aanmelding*gemeente2ê√ÉºÙ
e-2