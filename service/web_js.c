/*
 * casevaultd - the pages' one script, served as /static/app.js (docs/web.md,
 * Filing documents).  No page has inline script (the policy allows 'self'
 * only), and every page works without it: this adds, to a filing form
 * marked data-upload, a zone documents can be dropped on (it fills the
 * form's own <input type=file multiple>) and an upload that shows its
 * progress.  The form still posts as it is, with its CSRF token; what is
 * filed, all or nothing, is the library's (cv_file) either way.
 */
#include "web.h"

const char web_js[] =
	"'use strict';\n"
	"function cvChosen(f,p){p.textContent=f.files.length+(f.files.length==1?' document':' documents')+' chosen';}\n"
	/* dropped files become the input's own: the form sends them as if chosen */
	"function cvDropZone(form,f,p){\n"
	" var z=document.createElement('div');z.className='drop';z.id='drop';\n"
	" z.textContent='Drop documents here, or choose them with the button above.';\n"
	" f.insertAdjacentElement('afterend',z);\n"
	" ['dragenter','dragover'].forEach(function(t){z.addEventListener(t,function(e){e.preventDefault();"
	"z.classList.add('over');});});\n"
	" z.addEventListener('dragleave',function(){z.classList.remove('over');});\n"
	" z.addEventListener('drop',function(e){e.preventDefault();z.classList.remove('over');\n"
	"  if(e.dataTransfer&&e.dataTransfer.files.length){f.files=e.dataTransfer.files;cvChosen(f,p);}});\n"
	"}\n"
	/* the refusal's one line from the page the server answered with */
	"function cvRefusal(html){var d=new DOMParser().parseFromString(html,'text/html'),"
	"e=d.querySelector('.error');return e?e.textContent:'the documents were not filed; try again';}\n"
	"function cvUpload(form,f){\n"
	" var box=document.createElement('p'),l=document.createElement('label'),g=document.createElement('progress'),"
	"s=document.createElement('span');\n"
	" l.htmlFor='upload-progress';l.textContent='Upload ';g.id='upload-progress';g.max=100;g.value=0;\n"
	" s.id='upload-status';s.setAttribute('role','status');box.hidden=true;box.append(l,g,' ',s);\n"
	" form.querySelector('button[type=submit]').insertAdjacentElement('beforebegin',box);\n"
	" form.addEventListener('submit',function(e){\n"
	"  if(!window.FormData||!f.files.length)return;\n"
	"  e.preventDefault();var x=new XMLHttpRequest(),btn=form.querySelector('button[type=submit]');\n"
	"  box.hidden=false;btn.disabled=true;g.value=0;s.textContent='0 %';\n"
	"  x.upload.addEventListener('progress',function(ev){if(ev.lengthComputable){"
	"g.value=Math.round(100*ev.loaded/ev.total);s.textContent=g.value+' %';}});\n"
	"  x.addEventListener('load',function(){g.value=100;\n"
	"   if(x.status<400){s.textContent='100 %: filed';window.location.assign(x.responseURL);return;}\n"
	"   btn.disabled=false;s.textContent='Not filed: '+cvRefusal(x.responseText);});\n"
	"  x.addEventListener('error',function(){btn.disabled=false;"
	"s.textContent='Not filed: the connection failed; nothing was filed, try again';});\n"
	"  x.open('POST',form.action);x.send(new FormData(form));});\n"
	"}\n"
	"document.addEventListener('DOMContentLoaded',function(){\n"
	" var f=document.getElementById('doc'),p=document.getElementById('chosen'),"
	"form=document.querySelector('form[data-upload]');\n"
	" if(!f||!p)return;f.addEventListener('change',function(){cvChosen(f,p);});\n"
	" if(form){cvDropZone(form,f,p);cvUpload(form,f);}\n"
	"});\n";
