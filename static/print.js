// The printable partnership document: its one button opens the browser's
// print dialog, where "Save as PDF" makes the PDF.
'use strict';
document.getElementById('print-doc').addEventListener('click', () => window.print());
