// Draws a figure of the bulletin or of a map's page (pipeline/outputs/phone.py): its own layout in a
// column of 600 px or more, its phone version in a narrower one, and again when the column crosses
// that width (a phone turned, a window resized). Nothing a swipe could zoom or drag: the page scrolls.
window.drawFigure = function (id, figure, phone) {
  const div = document.getElementById(id);
  const config = {displaylogo: false, displayModeBar: false, responsive: true, scrollZoom: false, doubleClick: false};
  let narrow = null;
  function draw() {
    const now = div.clientWidth < 600;
    if (now === narrow) return;
    narrow = now;
    const data = now ? figure.data.map((trace, i) => Object.assign({}, trace, phone.traces[i])) : figure.data;
    Plotly.react(div, data, JSON.parse(JSON.stringify(now ? phone.layout : figure.layout)), config);
  }
  draw();
  window.addEventListener('resize', draw);
};
