/* Slippy maps, only where the operator runs a tile server (QHAWAQ_MAP_TILES_URL): the points of a
   page's SVG map on that server's tiles, and on the filing form a point picker that fills the
   latitude and longitude fields. Everything here is an enhancement: the SVG map, its table and
   the two number fields work without it. Leaflet is served from this site; tiles come from the
   operator's host only (the Content Security Policy allows that one host). */
(function () {
  "use strict";
  if (!window.L) {
    return;
  }
  var L = window.L;
  var BOLIVIA = [[-22.9, -69.7], [-9.6, -57.4]];
  var POINT = { radius: 7, color: "#fff", weight: 2, fillColor: "#a63603", fillOpacity: 1 };

  function open(box) {
    box.hidden = false;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", box.getAttribute("data-label") || "");
    var map = L.map(box, { scrollWheelZoom: false, maxBounds: [[-25, -72], [-7, -55]] });
    L.tileLayer(box.getAttribute("data-tiles"), { maxZoom: 18 }).addTo(map);
    return map;
  }

  Array.prototype.forEach.call(document.querySelectorAll(".slippy-map"), function (box) {
    var points = JSON.parse(box.getAttribute("data-points") || "[]");
    var map = open(box);
    var where = [];
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], POINT).addTo(map);
      marker.bindTooltip(p.label);
      marker.on("click", function () { window.location.href = p.href; });
      where.push([p.lat, p.lon]);
    });
    if (where.length) {
      map.fitBounds(where, { maxZoom: 13, padding: [24, 24] });
    } else {
      map.fitBounds(BOLIVIA);
    }
  });

  /* The point picker: a click or tap on the map writes the point into the two fields (rounded
     to 5 decimals, about a metre); typing in the fields moves the point. */
  Array.prototype.forEach.call(document.querySelectorAll(".point-picker"), function (box) {
    var lat = document.getElementById(box.getAttribute("data-lat"));
    var lon = document.getElementById(box.getAttribute("data-lon"));
    if (!lat || !lon) {
      return;
    }
    var hint = document.getElementById("point-picker-hint");
    if (hint) {
      hint.hidden = false;
    }
    var map = open(box);
    var marker = null;
    function show(latlng, zoom) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.circleMarker(latlng, POINT).addTo(map);
      }
      if (zoom) {
        map.setView(latlng, Math.max(map.getZoom(), 12));
      }
    }
    function fromFields(zoom) {
      var a = parseFloat(lat.value);
      var b = parseFloat(lon.value);
      if (isFinite(a) && isFinite(b)) {
        show([a, b], zoom);
      }
    }
    map.fitBounds(BOLIVIA);
    fromFields(true);
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(5);
      lon.value = event.latlng.lng.toFixed(5);
      show(event.latlng, false);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
    });
    lat.addEventListener("change", function () { fromFields(false); });
    lon.addEventListener("change", function () { fromFields(false); });
  });
}());
