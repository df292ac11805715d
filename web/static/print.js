// The sheet page's print button: the browser's print dialog (its print CSS leaves the bar out).
document.getElementById("print").addEventListener("click", function () { window.print(); });
