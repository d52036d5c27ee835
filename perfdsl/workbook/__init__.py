"""Facts in Excel: the fill-in workbook (基础数据表) generated from the rules' declared facts, and read back.

``layout.py`` decides where each declared fact goes (one function of the facts type, used by both
sides); ``template.py`` writes the workbook (``perfdsl template``); ``read.py`` reads a filled one into
the same facts a JSON file would carry, naming the sheet and cell of every problem.
"""
