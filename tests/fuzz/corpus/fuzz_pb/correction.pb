2
e-10
fuzz-ketenc-2001"intake*opvang2ÀñÁ:
e-11
fuzz-ketenc-2001"intake*opvang2À¤öÁJe-10P