/* The filing form (templates/observations/form.html), made quicker with JavaScript. Everything
   here is an enhancement: without this script the form is complete (all municipalities grouped
   by department; the program search is a button of the form). No library, no other host. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-filing-form]");
  if (!form) {
    return;
  }

  /* Choosing a department narrows the municipalities to that department's <optgroup>
     (data-department holds its ISO code); no department shows them all again. */
  var department = form.querySelector('select[name="department"]');
  var municipality = form.querySelector('select[name="municipality"]');
  if (department && municipality) {
    var groups = Array.prototype.slice.call(municipality.querySelectorAll("optgroup"));
    var narrow = function () {
      var code = department.value;
      var chosen = municipality.value;
      var kept = false;
      groups.forEach(function (group) {
        var show = !code || group.getAttribute("data-department") === code;
        if (show) {
          municipality.appendChild(group); /* back in the original order */
          if (group.querySelector('option[value="' + CSS.escape(chosen) + '"]')) {
            kept = true;
          }
        } else if (group.parentNode) {
          group.parentNode.removeChild(group);
        }
      });
      municipality.value = kept ? chosen : "";
    };
    department.addEventListener("change", narrow);
    narrow();
  }

  /* Enter in the program search box searches (without JavaScript the form's hidden first
     button does the same while the box has text). */
  var query = form.querySelector('input[name="program_q"]');
  var search = form.querySelector('[name="program_search"]');
  if (query && search) {
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        search.click();
      }
    });
  }
})();
